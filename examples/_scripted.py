"""Scripted emulator replies for the quickstart tour, where the emulator's rules
cannot write a realistic answer (a tool argument read from the prompt, code that
really computes the answer, thoughts about the question).

These are the replies a real Gemini 2.5 Flash call gives in shape: thought parts,
a function call, code + result parts, and usage metadata. The emulator still checks
each request (key, body, tools, signatures) before it answers with them.
"""

from __future__ import annotations

from typing import Any

from langchain_aihubmix.testing import AiHubMixEmulator

PRIMES_CODE = """\
primes = []
n = 2
while len(primes) < 50:
    if all(n % p for p in primes):
        primes.append(n)
    n += 1
print(sum(primes))
"""


def _reply(
    parts: list[dict[str, Any]], prompt: int, out: int, thoughts: int
) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": parts},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt,
            "candidatesTokenCount": out,
            "thoughtsTokenCount": thoughts,
            "totalTokenCount": prompt + out + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        },
        "modelVersion": "gemini-2.5-flash",
    }


def _thought(text: str) -> dict[str, Any]:
    return {"text": text, "thought": True}


def script_tour(hub: AiHubMixEmulator) -> None:
    """Queues the tour's four model replies, in the order the tour asks for them."""
    hub.queue(
        native=_reply(
            [
                _thought(
                    "**Recalling Rayleigh scattering**\n\nSunlight holds every "
                    "colour; air molecules scatter short wavelengths far more "
                    "than long ones (about 1/wavelength^4).\n\n"
                ),
                {
                    "text": "Air molecules scatter blue sunlight much more than red "
                    "(Rayleigh scattering), so blue light reaches our eyes from "
                    "every direction of the sky."
                },
            ],
            prompt=12,
            out=31,
            thoughts=96,
        )
    )
    hub.queue(
        native=_reply(
            [
                _thought(
                    "**Choosing the tool**\n\nThe user wants today's weather in "
                    "Paris and names get_weather, which takes a city.\n\n"
                ),
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
            ],
            prompt=58,
            out=15,
            thoughts=54,
        )
    )
    hub.queue(
        native=_reply(
            [{"text": "It is sunny and 22 °C in Paris today."}],
            prompt=96,
            out=13,
            thoughts=0,
        )
    )
    hub.queue(
        native=_reply(
            [
                _thought(
                    "**Planning the computation**\n\nI will list primes by trial "
                    "division until there are 50, then add them up.\n\n"
                ),
                {"executableCode": {"language": "PYTHON", "code": PRIMES_CODE}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "5117\n"}},
                {"text": "The sum of the first 50 primes (2 through 229) is 5117."},
            ],
            prompt=20,
            out=88,
            thoughts=71,
        )
    )
