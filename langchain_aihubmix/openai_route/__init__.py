"""openai_route route."""
