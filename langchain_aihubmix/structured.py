"""with_structured_output: schemas in, parsed objects out, failures never silent.

Three methods: `json_schema` (Gemini's response schema / OpenAI `response_format`),
`function_calling` (a forced tool call) and `json_mode`. Parsing reads only the
answer text (`.text`), so thoughts never leak into the parsed object. A refusal, a
blocked answer, `MALFORMED_FUNCTION_CALL`, a truncated answer or output that does not
parse raise errors that carry Gemini's finish reason and message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import JsonOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic.v1 import BaseModel as BaseModelV1

from langchain_aihubmix._options.gemini_schema import convert, restore
from langchain_aihubmix._options.schema import json_schema_of, unwrapped
from langchain_aihubmix.profiles import default_transport

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Method = Literal["json_schema", "function_calling", "json_mode"]
"""How `with_structured_output` asks for the structure."""

_FAILED_FINISH = frozenset(
    "MALFORMED_FUNCTION_CALL MAX_TOKENS SAFETY RECITATION LANGUAGE OTHER BLOCKLIST "  # noqa: SIM905
    "PROHIBITED_CONTENT SPII IMAGE_SAFETY UNEXPECTED_TOOL_CALL TOO_MANY_TOOL_CALLS "
    "MALFORMED_RESPONSE MISSING_THOUGHT_SIGNATURE".split()
)
"""Finish reasons after which an answer cannot be trusted to be complete."""


def _is_final(message: BaseMessage) -> bool:
    """True for a whole message, or a stream once its final chunk has arrived."""
    meta = message.response_metadata
    return bool(meta.get("finish_reason") or meta.get("prompt_feedback"))


def check_finished(message: BaseMessage) -> None:
    """Raise when Gemini stopped without a usable answer (blocked, safety, ...)."""
    meta = message.response_metadata
    text = getattr(message, "text", "")
    block = (meta.get("prompt_feedback") or {}).get("block_reason")
    if block:
        detail = (meta.get("prompt_feedback") or {}).get("block_reason_message")
        msg = f"Gemini blocked the prompt (block_reason={block}"
        msg += f": {detail}); no answer." if detail else "); no answer."
        raise OutputParserException(msg, llm_output=text)
    reason = meta.get("finish_reason")
    if reason in _FAILED_FINISH:
        detail = meta.get("finish_message") or "no message"
        msg = (
            f"Gemini stopped with finish_reason={reason} ({detail}); no usable answer."
        )
        raise OutputParserException(msg, llm_output=text)


class GeminiJsonOutputParser(JsonOutputParser):
    """JSON from the answer text; checks the finish reason on the final result.

    Streaming yields growing dicts (JSON-schema / TypedDict output), or for a
    Pydantic class only the complete, validated object. The final chunk of a stream
    (it carries the finish reason) is checked like a whole answer.
    """

    pydantic_class: type | None = None
    decoder: dict[str, Any] | None = None
    """`/v1`: turns values sent as JSON text back into objects (`gemini_schema`)."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """The first generation's answer text as JSON (a dict, or the Pydantic class
        if set; a partial dict while streaming). Raises `OutputParserException` when
        the answer was cut short or is not valid JSON."""
        first = result[0]
        final = not partial
        if isinstance(first, ChatGeneration):
            final = final or _is_final(first.message)
            if final:
                check_finished(first.message)
                if not first.text.strip():
                    msg = "Gemini returned no answer text to parse as JSON."
                    raise OutputParserException(msg, llm_output="")
        if self.pydantic_class is None:
            return restore(
                super().parse_result(result, partial=not final), self.decoder
            )
        if not final:
            try:  # only a complete, valid object is worth yielding
                value = restore(json.loads(first.text), self.decoder)
                return _validate(self.pydantic_class, value)
            except Exception:
                return None
        parsed = restore(super().parse_result(result, partial=False), self.decoder)
        try:
            return _validate(self.pydantic_class, parsed)
        except Exception as exc:
            msg = f"The answer does not match {self.pydantic_class.__name__}: {exc}"
            raise OutputParserException(msg, llm_output=first.text) from exc


class _CheckedToolParser(Runnable[AIMessage, Any]):
    """Checks the finish reason, then delegates to a tools parser."""

    def __init__(self, inner: Runnable[Any, Any]) -> None:
        self.inner = inner

    def invoke(self, input: AIMessage, config: Any = None, **kwargs: Any) -> Any:
        check_finished(input)
        if not input.tool_calls:
            meta = input.response_metadata
            reason = meta.get("finish_reason") or "unknown"
            detail = meta.get("finish_message") or input.text[:200] or "no answer"
            msg = (
                "Gemini did not call the structured-output tool "
                f"(finish_reason={reason}: {detail})."
            )
            raise OutputParserException(msg, llm_output=input.text)
        return self.inner.invoke(input, config)


def _validate(model: type, value: Any) -> Any:
    """`value` as an instance of a Pydantic v2 or v1 class."""
    if issubclass(model, BaseModelV1):
        return model.parse_obj(value)
    return cast("Any", model).model_validate(value)


def structured_output_runnable(
    llm: BaseChatModel,
    schema: Mapping[str, Any] | type | None,
    *,
    method: Method,
    include_raw: bool,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """Build the structured-output chain for `with_structured_output`."""
    kwargs.pop("strict", None)  # Gemini always enforces the schema it is given
    schema = unwrapped(schema)  # (OpenAI's json_schema forms, as ChatOpenAI takes)
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    pydantic_class = cast("type", schema) if is_pydantic else None
    fmt = {"kwargs": {"method": method}, "schema": schema}
    bound: Runnable[LanguageModelInput, BaseMessage]
    parser: Runnable[Any, Any]
    if method == "function_calling":
        if schema is None:
            msg = "method='function_calling' needs a schema."
            raise ValueError(msg)
        name = convert_to_openai_tool(schema)["function"]["name"]
        bound = llm.bind_tools(
            [cast("Any", schema)],
            tool_choice=name,
            ls_structured_output_format=fmt,
            **kwargs,
        )
        inner: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
        parser = _CheckedToolParser(inner)
    elif method in ("json_schema", "json_mode"):
        extra: dict[str, Any] = {"response_mime_type": "application/json"}
        decoder = None
        if method == "json_schema":
            if schema is None:
                msg = "method='json_schema' needs a schema (or use method='json_mode')."
                raise ValueError(msg)
            extra["response_schema"] = json_schema_of(schema)
            model = str(getattr(llm, "model", ""))
            if (
                getattr(llm, "transport", None) or default_transport(model)
            ) == "openai":
                sent = extra["response_schema"]  # /v1: some values sent as JSON text
                decoder = convert(sent, openapi=True, string_enums=False)[1]
        bound = llm.bind(ls_structured_output_format=fmt, **extra, **kwargs)
        parser = GeminiJsonOutputParser(pydantic_class=pydantic_class, decoder=decoder)
    else:
        msg = (
            f"Unknown method {method!r}: use 'json_schema', 'function_calling' "
            "or 'json_mode'."
        )
        raise ValueError(msg)
    if not include_raw:
        return bound | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    ).with_fallbacks(
        [
            RunnablePassthrough.assign(
                parsed=lambda _: None, parsing_error=_capture_error
            )
        ],
        exception_key="parsing_error",
    )
    return RunnableMap(raw=bound) | parsed


def _capture_error(inputs: Mapping[str, Any]) -> BaseException | None:
    error = inputs.get("parsing_error")
    return error if isinstance(error, BaseException) else None
