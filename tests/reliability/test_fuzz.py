"""Hypothesis fuzzing of the pure converters (bounded; no network).

Documented errors:
- input side (histories, blocks, tool schemas): `InvalidInputError` only;
- response side: `pydantic.ValidationError` when the SDK model rejects a payload,
  `ValueError` for parts the mapper does not know (never dropped silently),
  `NoAnswerError` for a reply that ends with no answer.
Anything else, or a hang (pytest-timeout), fails.
"""

from __future__ import annotations

import base64
from typing import Any

import pydantic
import pytest
from google.genai import types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from openai.types.chat import ChatCompletionChunk

from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._native.request import conversation_to_contents
from langchain_aihubmix._native.response import NativeStreamState
from langchain_aihubmix._openai.request import conversation_to_messages
from langchain_aihubmix._openai.response import OpenAIStreamState
from langchain_aihubmix._options.tools import convert_tool
from langchain_aihubmix.errors import InvalidInputError, NoAnswerError
from tests.support import tally

MODELS = ("gemini-2.5-flash", "gemini-3-pro-preview")
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
COUNTS = tally("fuzzing")

text = st.text(max_size=40)
ident = st.text(alphabet="abcdefghijklmnop_-.:0123456789 !", min_size=0, max_size=12)
b64 = st.one_of(
    st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode()),
    text,  # often not base64
)
mime = st.sampled_from(
    [
        "image/png",
        "image/jpeg",
        "application/pdf",
        "audio/wav",
        "video/mp4",
        "text/plain",
        "image/x-unknown",
    ]
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), text)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)
    ),
    max_leaves=8,
)

user_block = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.builds(lambda d, m: {"type": "image", "base64": d, "mime_type": m}, b64, mime),
    st.builds(lambda d, m: {"type": "file", "base64": d, "mime_type": m}, b64, mime),
    st.builds(
        lambda d, m: {
            "type": "image_url",
            "image_url": {"url": f"data:{m};base64,{d}"},
        },
        b64,
        mime,
    ),
    st.builds(
        lambda t, v: {"type": t, "value": v},
        st.sampled_from(["sticker", "hologram", "reasoning", "tool_call", ""]),
        json_value,
    ),
)
ai_block = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.builds(
        lambda t, s: {"type": "thinking", "thinking": t, "signature": s}, text, b64
    ),
    st.builds(
        lambda c, i: {
            "type": "executable_code",
            "executable_code": c,
            "language": "python",
            "id": i,
        },
        text,
        ident,
    ),
    st.builds(
        lambda o, n, i: {
            "type": "code_execution_result",
            "code_execution_result": o,
            "outcome": n,
            "tool_call_id": i,
        },
        text,
        st.integers(-1, 5),
        ident,
    ),
    st.builds(
        lambda t, v: {"type": t, "v": v},
        st.sampled_from(["hologram", "image", "reasoning"]),
        json_value,
    ),
)
tool_call = st.builds(
    lambda n, a, i: {"name": n, "args": a, "id": i},
    ident,
    st.dictionaries(text, json_scalar, max_size=3),
    ident,
)


def _message(kind: str, data: Any) -> BaseMessage:
    if kind == "system":
        return SystemMessage(content=data[0])
    if kind == "human":
        return HumanMessage(content=data[1] if data[1] else data[0])
    if kind == "ai":
        return AIMessage(content=data[2], tool_calls=data[3])
    return ToolMessage(content=data[0], tool_call_id=data[4])


message = st.builds(
    _message,
    st.sampled_from(["system", "human", "human", "ai", "tool"]),
    st.tuples(
        text,
        st.lists(user_block, max_size=3),
        st.lists(ai_block, max_size=3),
        st.lists(tool_call, max_size=2),
        ident,
    ),
)


@pytest.mark.timeout(60)
@FUZZ
@given(st.lists(message, max_size=6), st.sampled_from(MODELS))
def test_histories_convert_or_raise_invalid_input(
    messages: list[BaseMessage], model: str
) -> None:
    COUNTS["histories"] += 1
    try:
        conv = messages_to_conversation(messages)
    except InvalidInputError:
        COUNTS["histories_rejected"] += 1
        return
    for convert in (conversation_to_contents, conversation_to_messages):
        try:
            convert(conv, model=model)
        except InvalidInputError:
            COUNTS["conversions_rejected"] += 1


schema = st.recursive(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                ["string", "integer", "number", "boolean", "null", "bogus"]
            )
        }
    ),
    lambda inner: st.one_of(
        st.builds(
            lambda p, r: {"type": "object", "properties": p, "required": r},
            st.dictionaries(ident, inner, max_size=3),
            st.lists(ident, max_size=2),
        ),
        st.builds(lambda i: {"type": "array", "items": i}, inner),
        st.builds(lambda xs: {"anyOf": xs}, st.lists(inner, max_size=2)),
    ),
    max_leaves=6,
)
tool = st.one_of(
    st.builds(
        lambda n, d, p: {
            "type": "function",
            "function": {"name": n, "description": d, "parameters": p},
        },
        ident,
        text,
        st.one_of(schema, json_value),
    ),
    st.builds(lambda n, p: {"name": n, "input_schema": p}, ident, schema),
    st.builds(
        lambda k, c: {k: c},
        st.sampled_from(["code_execution", "google_search", "url_context", "bogus"]),
        st.one_of(st.none(), json_value),
    ),
    json_value,
)


@pytest.mark.timeout(60)
@FUZZ
@given(tool)
def test_tool_schemas_convert_or_raise_invalid_input(spec: Any) -> None:
    COUNTS["tools"] += 1
    try:
        convert_tool(spec)
    except InvalidInputError:
        COUNTS["tools_rejected"] += 1


b64sig = st.binary(min_size=1, max_size=16).map(lambda b: base64.b64encode(b).decode())
native_part = st.one_of(
    st.builds(lambda t: {"text": t}, text),
    st.builds(
        lambda t, s: {"text": t, "thought": True, "thoughtSignature": s}, text, b64sig
    ),
    st.builds(
        lambda n, a, i: {"functionCall": {"name": n, "args": a, "id": i}},
        ident,
        st.dictionaries(text, json_scalar, max_size=3),
        ident,
    ),
    st.builds(lambda c: {"executableCode": {"code": c, "language": "PYTHON"}}, text),
    st.builds(
        lambda o: {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": o}}, text
    ),
    st.builds(lambda d, m: {"inlineData": {"data": d, "mimeType": m}}, b64sig, mime),
    st.builds(
        lambda r: {"functionResponse": {"name": "f", "response": r}},
        st.dictionaries(text, json_scalar, max_size=2),
    ),
    st.dictionaries(
        st.sampled_from(["text", "thought", "bogus", "fileData"]),
        json_value,
        max_size=2,
    ),
)
usage = st.fixed_dictionaries(
    {
        "promptTokenCount": st.integers(-5, 1000),
        "candidatesTokenCount": st.integers(-5, 1000),
        "thoughtsTokenCount": st.integers(0, 100),
        "totalTokenCount": st.integers(0, 3000),
    }
)
native_chunk = st.fixed_dictionaries(
    {
        "candidates": st.lists(
            st.fixed_dictionaries(
                {
                    "content": st.fixed_dictionaries(
                        {
                            "role": st.just("model"),
                            "parts": st.lists(native_part, max_size=3),
                        }
                    ),
                    "index": st.integers(0, 1),
                },
                optional={
                    "finishReason": st.sampled_from(
                        ["STOP", "MAX_TOKENS", "SAFETY", "WHATEVER"]
                    )
                },
            ),
            max_size=2,
        )
    },
    optional={
        "usageMetadata": usage,
        "modelVersion": text,
        "responseId": text,
        "promptFeedback": st.fixed_dictionaries(
            {"blockReason": st.sampled_from(["SAFETY", "OTHER"])}
        ),
    },
)


def _corrupt(data: Any, how: int) -> Any:
    if how == 0 or not isinstance(data, dict) or not data:
        return data
    key = sorted(data)[how % len(data)]
    out = dict(data)
    if how % 3 == 0:
        del out[key]
    elif how % 3 == 1:
        out[key] = ["garbage", how]
    else:
        out[key] = _corrupt(out[key], how // 3)
    return out


@pytest.mark.timeout(60)
@FUZZ
@given(st.lists(native_chunk, min_size=1, max_size=4), st.integers(0, 12))
def test_native_payloads_map_or_raise_documented(
    chunks: list[dict[str, Any]], how: int
) -> None:
    COUNTS["native_payloads"] += 1
    state = NativeStreamState(requested_model="gemini-2.5-flash")
    try:
        for raw in [*chunks[:-1], _corrupt(chunks[-1], how)]:
            # google-genai's enums raise AttributeError for a non-string value
            try:
                response = types.GenerateContentResponse.model_validate(raw)
            except AttributeError as exc:
                raise ValueError(raw) from exc
            state.feed(response)
    except (pydantic.ValidationError, ValueError, NoAnswerError):
        COUNTS["native_payloads_rejected"] += 1


openai_delta = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": st.one_of(st.none(), text),
        "reasoning_content": text,
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 2)},
                optional={
                    "id": ident,
                    "type": st.just("function"),
                    "function": st.fixed_dictionaries(
                        {}, optional={"name": ident, "arguments": text}
                    ),
                },
            ),
            max_size=2,
        ),
    },
)
openai_chunk = st.fixed_dictionaries(
    {
        "id": ident,
        "object": st.just("chat.completion.chunk"),
        "created": st.integers(0, 10**10),
        "model": ident,
        "choices": st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 1), "delta": openai_delta},
                optional={
                    "finish_reason": st.sampled_from(
                        ["stop", "length", "tool_calls", None, "bogus"]
                    )
                },
            ),
            max_size=2,
        ),
    },
    optional={
        "usage": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "prompt_tokens": st.integers(-5, 500),
                    "completion_tokens": st.integers(-5, 500),
                    "total_tokens": st.integers(0, 1000),
                }
            ),
        )
    },
)


@pytest.mark.timeout(60)
@FUZZ
@given(st.lists(openai_chunk, min_size=1, max_size=5), st.integers(0, 12))
def test_openai_payloads_map_or_raise_documented(
    chunks: list[dict[str, Any]], how: int
) -> None:
    COUNTS["openai_payloads"] += 1
    state = OpenAIStreamState(requested_model="gemini-2.5-flash")
    try:
        for raw in [*chunks[:-1], _corrupt(chunks[-1], how)]:
            state.feed(ChatCompletionChunk.model_validate(raw))
        state.finish()
    except (pydantic.ValidationError, ValueError, NoAnswerError):
        COUNTS["openai_payloads_rejected"] += 1


def test_builtin_tool_with_non_dict_config() -> None:
    with pytest.raises(InvalidInputError):
        convert_tool({"code_execution": True})
