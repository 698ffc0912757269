"""Structured output: Pydantic objects, streamed partial dicts, and the raw message.

    python examples/structured_output.py

Offline against the bundled emulator, live when AIHUBMIX_API_KEY is set.
"""

from __future__ import annotations

import os

from _connect import connection
from pydantic import BaseModel, Field

from langchain_aihubmix import ChatAiHubMixGemini

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")


class City(BaseModel):
    """Facts about a city."""

    name: str = Field(description="the city's name")
    country: str
    population_millions: float


def main() -> None:
    """Run each structured-output method once."""
    prompt = "Give facts about the city name: Lisbon (country, population)."
    with connection() as conn:
        llm = ChatAiHubMixGemini(model=MODEL, include_thoughts=True, **conn)
        for method in ("json_schema", "function_calling"):
            city = llm.with_structured_output(City, method=method).invoke(prompt)
            print(f"{method:>16}: {city!r}")
        # JSON mode sends no schema: the prompt must describe the keys.
        loose = llm.with_structured_output(None, method="json_mode").invoke(
            prompt + " Reply in JSON with 'name' and 'country' keys."
        )
        print(f"{'json_mode':>16}: {loose!r}")

        print("\nstreaming partial objects (JSON-schema dict output):")
        for partial in llm.with_structured_output(City.model_json_schema()).stream(
            prompt
        ):
            print("  ", partial)

        out = llm.with_structured_output(City, include_raw=True).invoke(prompt)
        thoughts = [b for b in out["raw"].content_blocks if b["type"] == "reasoning"]
        print(f"\nparsed: {out['parsed']!r}")
        print(f"thought blocks in the raw message (never parsed): {len(thoughts)}")


if __name__ == "__main__":
    main()
