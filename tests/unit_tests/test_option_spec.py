"""The option declaration and what derives from it: fields, CallOptions, checks."""

from __future__ import annotations

import dataclasses

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix._options.resolve import (
    CONSTRUCTOR_ONLY,
    OutOfRangeError,
    normalise_kwargs,
)
from langchain_aihubmix._options.spec import (
    ALIASES,
    BY_NAME,
    CALL_OPTION_FIELDS,
    NATIVE_ONLY,
    OPTIONS,
)

FOLDED = {
    "include_thoughts",
    "thinking_budget",
    "thinking_level",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
}
"""CallOptions fields resolution computes from several options or from kwargs."""


def _llm(**kw: object) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(model="gemini-2.5-flash", api_key="k", **kw)  # type: ignore[arg-type]


def test_model_fields_are_the_declared_options() -> None:
    fields = ChatAiHubMixGemini.model_fields
    marked = {
        name
        for name, info in fields.items()
        if isinstance(info.json_schema_extra, dict)
        and info.json_schema_extra.get("call_option")
    }
    assert marked == set(BY_NAME)
    for option in OPTIONS:
        info = fields[option.name]
        assert (info.default, info.alias, info.description) == (
            option.default,
            option.alias,
            option.doc,
        ), option.name
    assert {"model", *BY_NAME} == CALL_OPTION_FIELDS
    # the fields that are no call option are named as such (per call: "set it on
    # the constructor"); timeout and max_retries are per-call settings
    own = set(fields) - set(BaseChatModel.model_fields) - CALL_OPTION_FIELDS
    assert own - {"timeout", "max_retries"} == set(CONSTRUCTOR_ONLY.split())


def test_call_options_carry_every_plain_option() -> None:
    plain = {o.name for o in OPTIONS if o.to_call is not None}
    assert {f.name for f in dataclasses.fields(CallOptions)} == {
        "model",
        *plain,
        *FOLDED,
    }


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_reaches_its_option(alias: str) -> None:
    assert normalise_kwargs({alias: 1}) == {ALIASES[alias]: 1}


@pytest.mark.parametrize(
    "option", [o for o in OPTIONS if o.bounds], ids=lambda o: o.name
)
def test_every_bound_is_checked(option: object) -> None:
    assert isinstance(option, type(OPTIONS[0]))
    assert option.bounds is not None
    low, high = option.bounds
    with pytest.raises(OutOfRangeError, match=option.name):
        _llm(**{option.name: low - 1})
    if high is not None:
        with pytest.raises(OutOfRangeError, match=option.name):
            _llm(**{option.name: high + 1})
    _llm(**{option.name: int(low) if option.integer else low})


@pytest.mark.parametrize("option", NATIVE_ONLY, ids=lambda o: o.name)
def test_every_native_only_option_is_refused_on_the_openai_route(
    option: object,
) -> None:
    assert isinstance(option, type(OPTIONS[0]))
    value = {
        "cached_content": "cachedContents/x",
        "image_config": {"a": "b"},
        "speech_config": {"voice_config": {"prebuilt_voice_config": {}}},
    }.get(option.name, ["IMAGE"] if option.name == "response_modalities" else "LOW")
    with pytest.raises(NotOnOpenAIRouteError, match=option.name):
        _llm(transport="openai", **{option.name: value})
    _llm(transport="native", **{option.name: value})


def test_max_retries_is_checked_once_with_the_other_ranges() -> None:
    with pytest.raises(OutOfRangeError, match="max_retries"):
        _llm(max_retries=-1)
    with pytest.raises(OutOfRangeError, match="max_retries"):  # before any request
        _llm(base_url="http://127.0.0.1:9").invoke("hi", max_retries=-1)
