"""Per-call preparation shortcuts give exactly what the long way gives.

Resolved options are reused only for immutable inputs; each native call gets its
own config; the SDK part subclass reads and dumps like `types.Part`; string
messages skip core's block translators with the same result.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import ValidationError

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._input.conversation import (
    Conversation,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._native.request import (
    conversation_to_contents,
    options_to_config,
)
from langchain_aihubmix._native.sdk_shortcuts import SdkPart
from langchain_aihubmix._openai.options import options_to_params
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._options.resolve import resolve_call
from langchain_aihubmix.pricing import DEFAULT_PRICES, ModelPrice

MODEL = "gemini-2.5-flash"


def _llm(transport: str = "native", **kw: Any) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(
        model=MODEL, api_key="k", base_url="http://x", transport=transport, **kw
    )


def _opts(llm: ChatAiHubMixGemini, **kwargs: Any) -> CallOptions:
    return llm._preparer().plan([HumanMessage("hi")], None, kwargs).opts


# -- resolved options -----------------------------------------------------------


def test_changed_field_resolves_again() -> None:
    llm = _llm()
    before = _opts(llm)
    llm.temperature = 0.3
    after = _opts(llm)
    assert (before.temperature, after.temperature) == (None, 0.3)


def test_kwargs_apply_to_their_call_only() -> None:
    llm = _llm()
    assert _opts(llm, max_tokens=10).max_output_tokens == 10
    assert _opts(llm, max_tokens=20).max_output_tokens == 20
    assert _opts(llm).max_output_tokens is None


def test_equal_values_of_other_types_are_not_shared() -> None:
    llm = _llm("openai")
    llm.temperature = 1.0
    as_float = options_to_params(_opts(llm))
    llm.temperature = 1
    as_int = options_to_params(_opts(llm))
    assert type(as_float["temperature"]) is float
    assert type(as_int["temperature"]) is int


def test_mutable_values_are_never_cached() -> None:
    llm = _llm(stop=["a"])
    assert _opts(llm).stop == ("a",)
    assert llm.stop is not None
    llm.stop.append("b")  # changed in place, not assigned
    assert _opts(llm).stop == ("a", "b")
    llm.response_schema = {"type": "object", "properties": {}}
    first = _opts(llm)
    llm.response_schema["properties"]["x"] = {"type": "string"}
    second = _opts(llm)
    assert first is not second
    assert second.response_schema == {
        "type": "object",
        "properties": {"x": {"type": "string"}},
    }


def test_stop_argument_is_not_cached() -> None:
    fields = _llm()._fields()
    first = resolve_call(fields, {"stop": ["x"]}, "native")[0]
    assert first.stop == ("x",)
    assert resolve_call(fields, {"stop": ["y"]}, "native")[0].stop == ("y",)


def test_invalid_settings_raise_every_time() -> None:
    fields = _llm()._fields() | {"thinking_budget": -5}
    for _ in range(2):
        with pytest.raises(ValueError, match="thinking_budget"):
            resolve_call(fields, {}, "native")


# -- native config ------------------------------------------------------------------


def test_each_call_gets_its_own_config() -> None:
    opts = CallOptions(model=MODEL, temperature=0.5)
    configs = []
    for _ in range(4):
        config = options_to_config(opts, None)
        assert config.http_options is None
        config.http_options = types.HttpOptions(timeout=5)  # as the client does
        configs.append(config)
    assert len({id(config) for config in configs}) == 4


def test_options_holding_dicts_are_built_every_time() -> None:
    schema: dict[str, Any] = {"type": "object"}
    opts = CallOptions(model=MODEL, response_schema=schema)
    assert options_to_config(opts, None).response_json_schema == {"type": "object"}
    schema["title"] = "T"
    assert options_to_config(opts, None).response_json_schema == {
        "type": "object",
        "title": "T",
    }


# -- SDK parts ----------------------------------------------------------------------


Part = SdkPart  # what the converters build: a `types.Part` (see below)


def _same(built: Any, validated: Any) -> None:
    assert type(built) is type(validated)
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert built.model_dump(exclude_none=True) == validated.model_dump(
        exclude_none=True
    )


def test_parts_equal_validated_parts() -> None:
    conv = Conversation(
        system=["be brief"],
        turns=[
            Turn("user", [TextPart("hi")]),
            Turn(
                "model",
                [
                    ReasoningPart("hmm"),
                    TextPart("calling"),
                    ToolCallPart("c1", "f", {"x": 1}),
                ],
            ),
            Turn("tool", [ToolResultPart("c1", "f", {"ok": True})]),
            Turn("tool", [ToolResultPart("c2", "g", "plain", is_error=True)]),
        ],
    )
    contents, system = conversation_to_contents(conv, model=MODEL)
    _same(system, types.Content(role="user", parts=[Part(text="be brief")]))
    user, model, tool, error = contents
    _same(user, types.Content(role="user", parts=[Part(text="hi")]))
    call = types.FunctionCall(id="c1", name="f", args={"x": 1})
    _same(
        model,
        types.Content(
            role="model",
            parts=[
                Part(text="hmm", thought=True),
                Part(text="calling"),
                Part(function_call=call),
            ],
        ),
    )
    response = types.FunctionResponse(id="c1", name="f", response={"ok": True})
    _same(tool.parts[0], Part(function_response=response))  # type: ignore[index]
    failed = types.FunctionResponse(id="c2", name="g", response={"error": "plain"})
    _same(error.parts[0], Part(function_response=failed))  # type: ignore[index]


def test_parts_do_not_share_the_callers_dicts() -> None:
    args = {"x": 1}
    result = {"ok": True}
    conv = Conversation(
        turns=[
            Turn("model", [ToolCallPart("c1", "f", args)]),
            Turn("tool", [ToolResultPart("c1", "f", result)]),
        ]
    )
    model, tool = conversation_to_contents(conv, model=MODEL)[0]
    assert model.parts is not None and tool.parts is not None
    call, response = model.parts[0].function_call, tool.parts[0].function_response
    assert call is not None and response is not None
    assert call.args == args and call.args is not args
    assert response.response == result and response.response is not result


def test_values_of_other_types_are_still_validated() -> None:
    conv = Conversation(turns=[Turn("user", [TextPart(123)])])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        conversation_to_contents(conv, model=MODEL)


def test_sdk_subclasses_read_like_the_sdk_types() -> None:
    part, plain = Part(text="x", thought=True), types.Part(text="x", thought=True)
    assert isinstance(part, types.Part)
    for key in ("text", "thought", "function_call", ("text", "x"), ("x", 1)):
        assert (key in part) == (key in plain)
    content = types.Content(role="user", parts=[part])
    assert (
        content.model_dump() == types.Content(role="user", parts=[plain]).model_dump()
    )
    config = options_to_config(CallOptions(model=MODEL, temperature=0.5), None)
    assert isinstance(config, types.GenerateContentConfig)
    assert "temperature" not in config
    assert ("temperature", 0.5) in config


# -- string messages ----------------------------------------------------------------


def test_overridden_content_blocks_are_respected() -> None:
    class Shouting(HumanMessage):
        @property
        def content_blocks(self) -> list[Any]:
            return [{"type": "text", "text": str(self.content).upper()}]

    conv = messages_to_conversation([Shouting("hi")])
    assert conv.turns[0].parts == [TextPart("HI")]


def test_string_history_converts_as_before() -> None:
    call = {"name": "f", "args": {}, "id": "c1", "type": "tool_call"}
    conv = messages_to_conversation(
        [
            SystemMessage("s"),
            HumanMessage("q"),
            AIMessage("", tool_calls=[call]),
            ToolMessage('{"a": 1}', tool_call_id="c1"),
        ]
    )
    assert conv.system == ["s"]
    assert [t.role for t in conv.turns] == ["user", "model", "tool"]
    assert conv.turns[2].parts == [ToolResultPart("c1", "f", {"a": 1})]


# -- prices -----------------------------------------------------------------------


def test_price_lookups_resolve_aliases_per_table() -> None:
    flash = DEFAULT_PRICES.get("gemini-2.5-flash-nothink")
    assert flash is DEFAULT_PRICES.get("gemini-2.5-flash")
    assert DEFAULT_PRICES.get("no-such-model") is None
    mine = ModelPrice(1, 2)
    custom = DEFAULT_PRICES.with_overrides({"gemini-2.5-flash": mine})
    assert custom.get("gemini-2.5-flash-nothink") is mine
    assert DEFAULT_PRICES.get("gemini-2.5-flash-nothink") is flash
