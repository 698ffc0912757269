"""Private: route-neutral building of AIMessage / AIMessageChunk, usage and cost."""
