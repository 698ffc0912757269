"""Google Gemini through the AiHubMix gateway as a LangChain chat model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_aihubmix.chat_models import ChatAiHubMixGemini

if TYPE_CHECKING:
    from langchain_aihubmix.callbacks import (
        AiHubMixCallbackHandler,
        get_aihubmix_callback,
    )
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

_LAZY = {
    "AiHubMixCallbackHandler": "langchain_aihubmix.callbacks",
    "get_aihubmix_callback": "langchain_aihubmix.callbacks",
    "AiHubMixEmbeddings": "langchain_aihubmix.embeddings",
}


def __getattr__(name: str) -> Any:
    """Import the callback helpers and the embeddings on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'langchain_aihubmix' has no attribute {name!r}"
    raise AttributeError(msg)
