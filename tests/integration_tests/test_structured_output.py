"""with_structured_output on both routes: methods x schema kinds, streams, errors."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_aihubmix.errors import NoAnswerError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import MakeLLM

ROUTES = ["native", "openai"]
METHODS = ["json_schema", "function_calling", "json_mode"]
PROMPT = "Describe a city: Lisbon with 'city' and 'country' keys, unit: C, in JSON."


class CityInfo(BaseModel):
    """Facts about a city."""

    city: str = Field(description="the city name")
    country: str


class CityDict(TypedDict):
    """Facts about a city."""

    city: str
    country: str


CITY_SCHEMA: dict[str, Any] = {
    "title": "CityInfo",
    "description": "Facts about a city.",
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
}
OPENAI_SPEC = {  # OpenAI's json_schema spec, as ChatOpenAI takes it
    "name": "CityInfo",
    "schema": {k: v for k, v in CITY_SCHEMA.items() if k != "title"},
    "strict": True,
}
SCHEMAS: dict[str, Any] = {
    "pydantic": CityInfo,
    "typeddict": CityDict,
    "json_schema": CITY_SCHEMA,
    "openai_spec": OPENAI_SPEC,
    "openai_format": {"type": "json_schema", "json_schema": OPENAI_SPEC},
}


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=0)


def _as_dict(value: Any) -> dict[str, Any]:
    return value.model_dump() if isinstance(value, BaseModel) else dict(value)


def _check_wire(hub: AiHubMixEmulator, transport: str, method: str) -> None:
    body = hub.requests[-1].body
    if transport == "native":
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("response_json_schema")
        if method == "function_calling":
            calling = body["toolConfig"]["functionCallingConfig"]
            assert calling["mode"] == "ANY"
            assert len(calling["allowedFunctionNames"]) == 1
            assert not schema
        else:
            assert config.get("responseMimeType") == "application/json"
            assert bool(schema) == (method == "json_schema")
            if schema:
                assert set(schema["properties"]) == {"city", "country"}
        return
    fmt = body.get("response_format")
    if method == "function_calling":
        assert body["tool_choice"]["type"] == "function"
        assert fmt is None
    elif method == "json_schema":
        assert fmt["type"] == "json_schema"
        assert set(fmt["json_schema"]["schema"]["properties"]) == {"city", "country"}
        assert fmt["json_schema"]["name"] in ("CityInfo", "CityDict")  # its title
    else:
        assert fmt == {"type": "json_object"}


@pytest.mark.parametrize("kind", list(SCHEMAS))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("transport", ROUTES)
def test_methods_by_schema_kind(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, method: str, kind: str
) -> None:
    schema = SCHEMAS[kind]
    result = make_llm(transport).with_structured_output(schema, method=method)
    value = result.invoke(PROMPT)
    if kind == "pydantic":
        assert isinstance(value, CityInfo)
    else:
        assert isinstance(value, dict)
    assert set(_as_dict(value)) == {"city", "country"}
    assert _as_dict(value)["city"] == "Lisbon"
    _check_wire(hub, transport, method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("transport", ROUTES)
async def test_include_raw_async(
    make_llm: MakeLLM, transport: str, method: str
) -> None:
    llm = make_llm(transport).with_structured_output(
        CityInfo, method=method, include_raw=True
    )
    out = await llm.ainvoke(PROMPT)
    assert isinstance(out["raw"], AIMessage)
    assert isinstance(out["parsed"], CityInfo)
    assert out["parsing_error"] is None


@pytest.mark.parametrize("transport", ROUTES)
def test_include_raw_keeps_the_error(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    _queue_text(hub, transport, "not json at all")
    llm = make_llm(transport).with_structured_output(CityInfo, include_raw=True)
    out = llm.invoke(PROMPT)
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].text == "not json at all"


@pytest.mark.parametrize("kind", ["typeddict", "json_schema"])
@pytest.mark.parametrize("transport", ROUTES)
def test_stream_yields_growing_dicts(
    make_llm: MakeLLM, transport: str, kind: str
) -> None:
    llm = make_llm(transport).with_structured_output(SCHEMAS[kind])
    parts = list(llm.stream(PROMPT))
    assert len(parts) >= 2
    assert all(isinstance(p, dict) for p in parts)
    sizes = [len(str(p)) for p in parts]
    assert sizes == sorted(sizes)
    assert parts[-1] == {"city": "Lisbon", "country": "country"}


@pytest.mark.parametrize("transport", ROUTES)
def test_stream_pydantic_ends_with_the_object(
    make_llm: MakeLLM, transport: str
) -> None:
    parts = list(make_llm(transport).with_structured_output(CityInfo).stream(PROMPT))
    assert parts == [CityInfo(city="Lisbon", country="country")]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("transport", ROUTES)
def test_thoughts_never_leak(make_llm: MakeLLM, transport: str, method: str) -> None:
    llm = make_llm(transport, include_thoughts=True, reasoning_effort="low")
    out = llm.with_structured_output(CityInfo, method=method, include_raw=True).invoke(
        PROMPT
    )
    kinds = [b["type"] for b in out["raw"].content_blocks]
    if method != "function_calling":
        assert "reasoning" in kinds
    assert out["parsed"] == CityInfo(city="Lisbon", country="country")
    streamed = list(
        llm.with_structured_output(CITY_SCHEMA, method=method).stream(PROMPT)
    )
    assert streamed[-1] == {"city": "Lisbon", "country": "country"}
    assert all("Reading the request" not in str(s) for s in streamed)


# -- failures are errors, never a silent None -----------------------------------------


def _queue_text(hub: AiHubMixEmulator, transport: str, text: str) -> None:
    if transport == "native":
        hub.queue(
            native={
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": text}]},
                        "finishReason": "STOP",
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 5,
                    "candidatesTokenCount": 3,
                    "totalTokenCount": 8,
                },
                "modelVersion": "gemini-2.5-flash",
            }
        )
    else:
        hub.queue(
            openai={
                "id": "chatcmpl-x",
                "object": "chat.completion",
                "created": 0,
                "model": "gemini-2.5-flash",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 5,
                    "completion_tokens": 3,
                    "total_tokens": 8,
                },
            }
        )


@pytest.mark.parametrize("transport", ROUTES)
def test_malformed_function_call(make_llm: MakeLLM, transport: str) -> None:
    llm = make_llm(transport).with_structured_output(
        CityInfo, method="function_calling"
    )
    # The OpenAI-compatible wire has no such finish reason (it says "stop").
    expected = "MALFORMED_FUNCTION_CALL" if transport == "native" else "STOP"
    with pytest.raises(NoAnswerError, match=expected):  # no answer, not None
        llm.invoke("MALFORMED_CALL " + PROMPT)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("transport", ROUTES)
def test_blocked_prompt(make_llm: MakeLLM, transport: str, method: str) -> None:
    llm = make_llm(transport).with_structured_output(CityInfo, method=method)
    # The OpenAI-compatible wire reports a blocked prompt as content_filter.
    expected = "block_reason=PROHIBITED_CONTENT" if transport == "native" else "SAFETY"
    with pytest.raises(OutputParserException, match=expected):
        llm.invoke("BLOCK_ME " + PROMPT)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("transport", ROUTES)
def test_safety_stop(make_llm: MakeLLM, transport: str, method: str) -> None:
    llm = make_llm(transport).with_structured_output(CityInfo, method=method)
    with pytest.raises(OutputParserException, match="SAFETY"):
        llm.invoke("UNSAFE_ANSWER " + PROMPT)


@pytest.mark.parametrize("transport", ROUTES)
def test_safety_stop_in_a_stream(make_llm: MakeLLM, transport: str) -> None:
    llm = make_llm(transport).with_structured_output(CITY_SCHEMA)
    with pytest.raises(OutputParserException, match="SAFETY"):
        list(llm.stream("UNSAFE_ANSWER " + PROMPT))


@pytest.mark.parametrize("transport", ROUTES)
def test_unparseable_output(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    _queue_text(hub, transport, "Sorry, I cannot produce JSON today.")
    llm = make_llm(transport).with_structured_output(CityInfo)
    with pytest.raises(OutputParserException, match=r"Invalid json|JSON"):
        llm.invoke(PROMPT)


@pytest.mark.parametrize("transport", ROUTES)
def test_json_that_does_not_match_the_class(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    _queue_text(hub, transport, '{"town": "Lisbon"}')
    llm = make_llm(transport).with_structured_output(CityInfo)
    with pytest.raises(OutputParserException, match="does not match CityInfo"):
        llm.invoke(PROMPT)
