"""google-genai request objects shaped for the SDK's cheapest paths (same wire bytes).

The SDK converts a request by looking up each field it knows through
`_common.get_value_by_path`, which asks `key in obj` before `getattr`. A pydantic
model has no `__contains__`, so `in` iterates the model's (name, value) pairs, none
of which ever equals the key: every lookup walks every field. `SdkPart` and `SdkConfig`
answer `in` at once, with the same answers. The SDK also validates a list of
`Content` objects against its whole content union, at a cost that grows with the
history, while a single `Content`, and `ContentDict`s of parts, take direct paths.
benchmarks/README.md ("Kept shortcuts") lists what each of these saves;
tests/unit_tests/test_sdk_shapes.py fails when google-genai stops taking these paths.
Also here, the one repair of the SDK: its reply converter drops a candidate's
`finishMessage` (python-genai#1789), which `_keep_finish_message` puts back.
"""

from __future__ import annotations

from typing import Any

import pydantic
from google.genai import models as genai_models
from google.genai import types

__all__ = ["SdkConfig", "SdkPart", "sdk_contents"]


def _pairs_contain(self: pydantic.BaseModel, key: object) -> bool:
    """`key in model` as iterating the model answers it: iteration yields
    (name, value) pairs, so a string is never in a model."""
    return not isinstance(key, str) and key in tuple(self)


class SdkPart(types.Part):
    """A `types.Part` that the SDK reads without walking all its fields per lookup."""

    __contains__ = _pairs_contain


class SdkConfig(types.GenerateContentConfig):
    """A `GenerateContentConfig` that the SDK reads as cheaply as `SdkPart`."""

    __contains__ = _pairs_contain


def sdk_contents(built: list[types.Content]) -> types.ContentListUnionDict:
    """The `contents` argument: a single `Content` as itself, a history as
    `ContentDict`s of the same parts (and wire bytes), which the SDK takes without
    validating them against its content union again."""
    if len(built) == 1:
        return built[0]
    return [{"role": c.role, "parts": c.parts} for c in built]


def _keep_finish_message() -> None:
    """google-genai's reply converter drops `finishMessage` (python-genai#1789,
    e.g. the text of a malformed call): put back (test_sdk_shapes.py guards it)."""
    convert = getattr(genai_models, "_Candidate_from_mldev", None)
    if convert is None:
        return

    def candidate(
        from_object: Any, parent_object: Any = None, root_object: Any = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = convert(from_object, parent_object, root_object)
        if isinstance(from_object, dict) and from_object.get("finishMessage"):
            out["finish_message"] = from_object["finishMessage"]
        return out

    genai_models._Candidate_from_mldev = candidate


_keep_finish_message()
