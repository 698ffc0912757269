"""History rules Gemini enforces: calls answered in order, image-model parts signed.

Texts are Gemini's own where public reports quote them: "Please ensure that the
number of function response parts is equal to the number of function call parts of
the function call turn." and "Please ensure that function response turn comes
immediately after a function call turn." (google-gemini/gemini-cli#16415,
langchain-ai/langchain#27799); a response that answers another call (name or id) is
Gemini's bare INVALID_ARGUMENT (google/adk-python#6761), with what the emulator
found as `DebugInfo`; "Image part is missing a thought_signature in content position
2, part position 1." (suurt8ll/open_webui_functions#225) and its "Text part" twin
(lobehub/lobehub#10404, googleapis/js-genai#1116).
"""

from __future__ import annotations

from typing import Any

from langchain_aihubmix.testing.errors import INVALID, invalid_argument
from langchain_aihubmix.testing.reply import get

RESPONSE_COUNT = (
    "Please ensure that the number of function response parts is equal to the number "
    "of function call parts of the function call turn."
)
RESPONSE_PLACE = (
    "Please ensure that function response turn comes immediately after a function "
    "call turn."
)


def _parts_with(content: Any, key: str) -> list[Any]:
    return [get(p, key) for p in get(content, "parts") or [] if get(p, key) is not None]


def check_responses(contents: list[Any], *, ids_required: bool) -> None:
    """Each function call turn is answered by the next turn, in order.

    The user turn after a model turn with `functionCall`s holds as many
    `functionResponse`s, with the same names in the same order, and the same ids
    where the calls carried ids (a response without one passes unless
    `ids_required`: Gemini 3.5 and later, ShinChven/remix-studio#35); function
    responses follow a function call turn only. A history may end with unanswered
    calls.
    """
    calls: list[Any] = []
    for index, content in enumerate(contents):
        responses = _parts_with(content, "functionResponse")
        if calls and get(content, "role", "user") == "user":
            if len(responses) != len(calls):
                raise invalid_argument(RESPONSE_COUNT)
            for n, (call, response) in enumerate(zip(calls, responses, strict=True)):
                _check_answer(call, response, index, n, ids_required)
        elif responses:
            raise invalid_argument(RESPONSE_PLACE)
        calls = _parts_with(content, "functionCall") if _is_model(content) else []


def _is_model(content: Any) -> bool:
    return bool(get(content, "role") == "model")


def _check_answer(
    call: Any, response: Any, index: int, n: int, ids_required: bool
) -> None:
    wanted = (get(call, "name"), get(call, "id"))
    got = (get(response, "name"), get(response, "id"))
    checked_id = got[1] is not None or ids_required
    if wanted[0] != got[0] or (wanted[1] is not None and checked_id and wanted != got):
        raise invalid_argument(
            INVALID,
            f"contents[{index}]: function response {n + 1} (name={got[0]!r}, "
            f"id={got[1]!r}) does not answer function call {n + 1} of the turn "
            f"before (name={wanted[0]!r}, id={wanted[1]!r}): responses must answer "
            "the calls in order",
        )


def check_image_parts(contents: list[Any]) -> None:
    """Gemini 3 image models: in every model turn, the first part after thoughts
    (text or image) and every image part carry a `thoughtSignature` (any signature
    here; its validity is checked with the others)."""
    for index, content in enumerate(contents):
        if not _is_model(content):
            continue
        first = True
        for n, part in enumerate(get(content, "parts") or []):
            if get(part, "thought"):
                continue
            image = any(get(part, k) is not None for k in ("inlineData", "fileData"))
            text = bool(get(part, "text"))
            if (image or (first and text)) and not get(part, "thoughtSignature"):
                raise invalid_argument(
                    f"{'Image' if image else 'Text'} part is missing a "
                    f"thought_signature in content position {index + 1}, "
                    f"part position {n + 1}."
                )
            first = False
