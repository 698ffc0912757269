"""The same tool-calling agent on both AiHubMix routes, side by side.

`ChatAiHubMixGemini` speaks AiHubMix's native Gemini route (`transport="native"`)
and its OpenAI-compatible route (`transport="openai"`) and gives the same LangChain
messages on both: thoughts as reasoning blocks, tool calls with their thought
signatures replayed on the next turn, and token usage. This runs one small
`create_agent` agent on each route and prints the two transcripts.

Runs offline against the bundled emulator, or live when AIHUBMIX_API_KEY is set:

    python examples/both_routes.py            # emulator (or live with a key)
    python examples/both_routes.py --offline  # always the emulator
"""

from __future__ import annotations

import os
import sys

from _connect import connection
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import tool

from langchain_aihubmix import ChatAiHubMixGemini

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-3-flash-preview")
QUESTION = "What's the weather in Paris? Use get_weather."


@tool
def get_weather(city: str) -> str:
    """Return today's weather for a city."""
    return f"It is sunny and 22 °C in {city}."


def transcript(messages: list[BaseMessage]) -> list[str]:
    """One line per message: role, then thoughts / tool calls / text."""
    lines = []
    for message in messages:
        role = type(message).__name__.replace("Message", "").lower()
        if isinstance(message, AIMessage):
            for block in message.content_blocks:
                if block["type"] == "reasoning":
                    thought = " ".join(str(block.get("reasoning", "")).split())
                    lines.append(f"{role:>5}: (thought) {thought[:70]}")
            for call in message.tool_calls:
                lines.append(f"{role:>5}: -> {call['name']}({call['args']})")
            if message.text:
                lines.append(f"{role:>5}: {message.text}")
            if message.usage_metadata:
                usage = message.usage_metadata
                lines.append(
                    f"{'':>5}  [tokens in={usage['input_tokens']} "
                    f"out={usage['output_tokens']} total={usage['total_tokens']}]"
                )
        else:
            lines.append(f"{role:>5}: {message.text}")
    return lines


def main() -> None:
    """Run the agent on each route and print both transcripts."""
    with connection(offline="--offline" in sys.argv) as kwargs:
        for transport in ("native", "openai"):
            llm = ChatAiHubMixGemini(
                model=MODEL, transport=transport, include_thoughts=True, **kwargs
            )
            agent = create_agent(llm, tools=[get_weather])
            result = agent.invoke({"messages": [("user", QUESTION)]})
            print(f"\n=== transport={transport!r} ({MODEL}) ===")
            print("\n".join(transcript(result["messages"])))


if __name__ == "__main__":
    main()
