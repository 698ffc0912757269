"""Gemini's built-in code execution (native route): code, result, answer, follow-up.

    python examples/code_execution.py

Offline against the bundled emulator, live when AIHUBMIX_API_KEY is set.
"""

from __future__ import annotations

import os

from _connect import connection
from langchain_core.messages import HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")


def show(reply: object) -> None:
    """Print the code, its output and the answer."""
    for block in reply.content_blocks:  # type: ignore[attr-defined]
        if block["type"] == "server_tool_call":
            print("code:  ", str(block["args"].get("code", "")).strip())
        elif block["type"] == "server_tool_result":
            print("output:", str(block.get("output", "")).strip())
    print("answer:", reply.text)  # type: ignore[attr-defined]


def main() -> None:
    """Ask for a computation, then a follow-up that replays the code parts."""
    with connection() as conn:
        llm = ChatAiHubMixGemini(model=MODEL, **conn).bind_tools(
            [{"code_execution": {}}]
        )
        question = "What is 1234*5678? Run code to check."
        first = llm.invoke(question)
        show(first)
        print()
        follow_up = [
            HumanMessage(question),
            first,
            HumanMessage("And 99*99? Run code."),
        ]
        show(llm.invoke(follow_up))
        print("\nusage:", first.usage_metadata)


if __name__ == "__main__":
    main()
