"""A short tour of langchain-aihubmix: thoughts, a tool-calling agent, code, usage.

Runs offline against the bundled AiHubMix emulator, or against the live gateway when
AIHUBMIX_API_KEY is set:

    python examples/quickstart.py            # emulator (or live with a key)
    python examples/quickstart.py --offline  # always the emulator
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack

from _connect import connection_and_hub
from _scripted import script_tour
from langchain.agents import create_agent
from langchain_core.tools import tool

from langchain_aihubmix import ChatAiHubMixGemini, get_aihubmix_callback

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")
SCRIPTED = "it plays back a scripted session (examples/_scripted.py), not real Gemini"


@tool
def get_weather(city: str) -> str:
    """Return today's weather for a city."""
    return f"It is sunny and 22 °C in {city}."


def section(title: str) -> None:
    """Print a section heading."""
    print(f"\n=== {title} ===")


def main() -> None:
    """Run the tour."""
    with ExitStack() as stack:
        kwargs, hub = stack.enter_context(
            connection_and_hub(offline="--offline" in sys.argv, note=SCRIPTED)
        )
        if hub is not None:
            script_tour(hub)
        llm = ChatAiHubMixGemini(model=MODEL, include_thoughts=True, **kwargs)
        cb = stack.enter_context(get_aihubmix_callback())

        section("1. Thoughts and answer")
        reply = llm.invoke("In one sentence: why is the sky blue?")
        for block in reply.content_blocks:
            if block["type"] == "reasoning":
                print("thought:", str(block.get("reasoning", "")).strip()[:200])
        print("answer: ", reply.text)

        section("2. A tool-calling agent")
        agent = create_agent(llm, tools=[get_weather])
        result = agent.invoke(
            {"messages": [("user", "What's the weather in Paris? Use get_weather.")]}
        )
        for message in result["messages"]:
            calls = getattr(message, "tool_calls", None)
            label = type(message).__name__.replace("Message", "").lower()
            print(f"{label:>5}: {calls or message.text}")

        section("3. Code execution")
        coder = llm.bind_tools([{"code_execution": {}}])
        reply = coder.invoke("What is the sum of the first 50 primes? Run code.")
        for block in reply.content_blocks:
            if block["type"] == "server_tool_call":
                print("code:  ", str(block["args"].get("code", "")).strip())
            elif block["type"] == "server_tool_result":
                print("result:", str(block.get("output", "")).strip())
        print("answer:", reply.text)

        section("4. Usage and cost")
        print(reply.usage_metadata)
        print(cb)


if __name__ == "__main__":
    main()
