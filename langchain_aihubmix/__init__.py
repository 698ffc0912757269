"""Google Gemini through the AiHubMix gateway as a LangChain chat model."""

from langchain_aihubmix.callbacks import AiHubMixCallbackHandler, get_aihubmix_callback
from langchain_aihubmix.chat_models import ChatAiHubMixGemini
from langchain_aihubmix.embeddings import AiHubMixEmbeddings

__version__ = "0.1.0"
"""The package version (the one place it is set; pyproject.toml reads it)."""

__all__ = [
    "AiHubMixCallbackHandler",
    "AiHubMixEmbeddings",
    "ChatAiHubMixGemini",
    "__version__",
    "get_aihubmix_callback",
]
