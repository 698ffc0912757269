"""Semantic search with Gemini embeddings: fill a LangChain vector store, then ask it.

    python examples/embeddings_vector_store.py   # emulator, or live with a key

`AiHubMixEmbeddings` sends the documents to the gateway's `/v1/embeddings` (up to
100 per request; the vectors come back in input order), `InMemoryVectorStore` keeps
them, and `similarity_search` embeds each question and returns the nearest document.
`get_aihubmix_callback()` counts the requests, tokens and cost. Offline, the
emulator's vectors are a hashed bag of words, so the document that shares the
question's words ranks first; live, gemini-embedding-001 ranks by meaning.
"""

from __future__ import annotations

import os

from _connect import connection
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_aihubmix import AiHubMixEmbeddings, get_aihubmix_callback

MODEL = os.environ.get("AIHUBMIX_EMBEDDING_MODEL", "gemini-embedding-001")
DOCUMENTS = {
    "paris": "The Eiffel Tower in Paris was finished in 1889 for a world's fair.",
    "plants": "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
    "python": "Python lists keep their items in the order they were added.",
    "cells": "Mitochondria produce most of the energy a cell uses.",
    "china": "The Great Wall of China stretches for thousands of kilometres.",
}
QUESTIONS = {
    "When was the Eiffel Tower finished?": "paris",
    "How do plants turn sunlight into food?": "plants",
    "Do Python lists keep their order?": "python",
}


def main() -> None:
    """Fill the store, ask each question, check the answer, print the cost."""
    with connection() as kwargs, get_aihubmix_callback() as cb:
        embeddings = AiHubMixEmbeddings(model=MODEL, dimensions=768, **kwargs)
        store = InMemoryVectorStore(embeddings)
        store.add_documents(
            [Document(text, metadata={"topic": t}) for t, text in DOCUMENTS.items()]
        )
        for question, topic in QUESTIONS.items():
            (best,) = store.similarity_search(question, k=1)
            print(f"{question}\n  -> {best.page_content}")
            if best.metadata["topic"] != topic:
                raise SystemExit(f"expected the {topic!r} document")
    print(f"\n{cb}")


if __name__ == "__main__":
    main()
