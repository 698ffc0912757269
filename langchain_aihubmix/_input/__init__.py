"""Private: LangChain messages checked and turned into a Conversation."""
