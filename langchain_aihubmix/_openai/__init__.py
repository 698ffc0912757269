"""Private: the openai route (openai SDK, /v1): request, client, response."""
