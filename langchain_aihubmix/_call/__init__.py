"""Private: one chat-model call prepared, run through its route, and returned."""
