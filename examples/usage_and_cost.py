"""Usage, cost and caching: run a small agent and print what it used and cost.

Runs offline against the bundled AiHubMix emulator, or against the live gateway when
AIHUBMIX_API_KEY is set:

    python examples/usage_and_cost.py            # emulator (or live with a key)
    python examples/usage_and_cost.py --offline  # always the emulator

The agent's system prompt and tool come first in every request and stay identical
from step to step, so the second step reuses the first one's prefix: an implicit
cache hit, billed at 10% of the input price (the live service caches only prompts
above its own minimum length, about 1,024 tokens on Gemini 2.5 Flash).
"""

from __future__ import annotations

import os
import sys

from _connect import connection
from langchain.agents import create_agent
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.caching import CacheManager, ExplicitCachingUnavailableError
from langchain_aihubmix.callbacks import get_aihubmix_callback

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")
SYSTEM = (
    "You are a concise travel assistant. Use the weather tool for any question "
    "about the weather, then answer in one sentence. " * 3
)


@tool
def get_weather(city: str) -> str:
    """Return today's weather for a city."""
    return f"It is sunny and 22 °C in {city}."


def main() -> None:
    """Run the agent inside `get_aihubmix_callback()` and print the summary."""
    with connection(offline="--offline" in sys.argv) as kwargs:
        llm = ChatAiHubMixGemini(model=MODEL, **kwargs)
        agent = create_agent(llm, tools=[get_weather], system_prompt=SYSTEM)

        with get_aihubmix_callback() as cb:
            result = agent.invoke(
                {"messages": [{"role": "user", "content": "Weather in Lisbon?"}]}
            )
        print("Answer:", result["messages"][-1].text)
        for step, message in enumerate(
            (m for m in result["messages"] if isinstance(m, AIMessage)), start=1
        ):
            usage = message.usage_metadata
            assert usage is not None  # always reported, details included
            cached = usage["input_token_details"]["cache_read"]
            cost = message.response_metadata.get("cost", {}).get("total")
            shown = "unknown" if cost is None else f"${cost:.6f}"
            print(
                f"step {step}: {usage['input_tokens']} input tokens "
                f"({cached} from cache), cost {shown}"
            )
        print("\nget_aihubmix_callback() summary:")
        print(cb)

        estimate = llm.get_num_tokens_from_messages(
            [("system", SYSTEM), ("human", "Weather in Lisbon?")], tools=[get_weather]
        )
        print(f"\nInput tokens of the first step, counted beforehand: {estimate}")
        try:
            CacheManager(llm).list_caches()
        except ExplicitCachingUnavailableError as err:
            print(f"Explicit caching: {err}")


if __name__ == "__main__":
    main()
