"""Grounding with Google Search (native route): the answer and its citations.

    python examples/search_grounding.py

Citations come from `.content_blocks`: each text block carries `annotations` of
type "citation" (url, title, the cited span). Offline against the bundled
emulator, live when AIHUBMIX_API_KEY is set.
"""

from __future__ import annotations

import os

from _connect import connection

from langchain_aihubmix import ChatAiHubMixGemini

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")


def main() -> None:
    """Ask a grounded question and print the citations."""
    with connection() as conn:
        llm = ChatAiHubMixGemini(model=MODEL, google_search=True, **conn)
        reply = llm.invoke("Who won the most recent Tour de France?")
        print("answer:", reply.text, "\n")
        for block in reply.content_blocks:
            for note in block.get("annotations", []) if block["type"] == "text" else []:
                if note["type"] != "citation":
                    continue
                span = f"[{note.get('start_index')}:{note.get('end_index')}]"
                print(f"{span:>9} {note.get('title')}: {note.get('url')}")
                print(f"          “{note.get('cited_text')}”")
        grounding = reply.response_metadata.get("grounding_metadata", {})
        print("\nsearch queries:", grounding.get("web_search_queries"))


if __name__ == "__main__":
    main()
