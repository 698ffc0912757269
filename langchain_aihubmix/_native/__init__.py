"""Private: the native route (google-genai SDK): request, client, response, usage."""
