"""Google Gemini through the AiHubMix gateway as a LangChain chat model."""
