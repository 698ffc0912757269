"""CallOptions to openai Chat Completions request kwargs (tools, thinking, format)."""

from __future__ import annotations

from typing import Any, cast

from openai.types.chat import (
    ChatCompletionFunctionToolParam,
    ChatCompletionToolChoiceOptionParam,
)
from openai.types.shared_params import (
    ResponseFormatJSONObject,
    ResponseFormatJSONSchema,
)

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ToolChoice,
)


def _tools(opts: CallOptions) -> list[ChatCompletionFunctionToolParam]:
    tools: list[ChatCompletionFunctionToolParam] = []
    for tool in opts.tools:
        if isinstance(tool, FunctionTool):
            function: dict[str, Any] = {"name": tool.name}
            if tool.parameters:  # none: Gemini rejects an object without properties
                function["parameters"] = tool.parameters
            if tool.description:
                function["description"] = tool.description
            tools.append({"type": "function", "function": cast(Any, function)})
    return tools


def _tool_choice(
    choice: ToolChoice | None, tools: list[ChatCompletionFunctionToolParam]
) -> tuple[ChatCompletionToolChoiceOptionParam, list[ChatCompletionFunctionToolParam]]:
    """`tool_choice` (always sent with tools: AiHubMix errors without it) and tools.

    | ToolChoice | tool_choice |
    |---|---|
    | None / auto | "auto" |
    | none | "none" |
    | any | "required" |
    | any, one allowed name | {"type": "function", "function": {"name": ...}} |
    | any, several names | "required", and only those tools are sent |
    """
    if choice is None:
        return "auto", tools
    if choice.mode == "any":
        known = {t["function"]["name"] for t in tools}
        unknown = [name for name in choice.allowed if name not in known]
        if unknown:
            raise InvalidInputError(f"tool_choice names unknown tools {unknown}.")
        if len(choice.allowed) == 1:
            return {"type": "function", "function": {"name": choice.allowed[0]}}, tools
        if choice.allowed:
            tools = [t for t in tools if t["function"]["name"] in choice.allowed]
        return "required", tools
    return ("none" if choice.mode == "none" else "auto"), tools


def _response_format(
    opts: CallOptions,
) -> ResponseFormatJSONSchema | ResponseFormatJSONObject | None:
    mime = opts.response_mime_type
    if opts.response_schema is not None:
        schema = dict(opts.response_schema)  # its title is the name, not sent
        title = str(schema.pop("title", None) or "response")
        name = "".join(c if c.isalnum() or c in "_-" else "_" for c in title)[:64]
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
    if mime == "application/json":
        return {"type": "json_object"}
    return None  # text; other types were refused in `_options.resolve`


def _google_extensions(opts: CallOptions) -> dict[str, Any]:
    """Gemini settings with no OpenAI parameter: `extra_body.google` (Google's layer).

    | CallOptions | request body |
    |---|---|
    | thinking_level | `reasoning_effort` (top level; not here) |
    | include_thoughts | `extra_body.google.thinking_config.include_thoughts` |
    | thinking_budget -1 | `extra_body.google.thinking_config.thinking_budget` |
    | thinking_budget > 0 | `reasoning.max_tokens` (top level; see `_budget`) |
    | thinking_budget 0 | `reasoning_effort="none"` (top level; see `_effort`) |
    | safety_settings | `extra_body.google.safety_settings` [{category, threshold}] |

    Google's REST layer reads a top-level JSON key `extra_body`; the SDK merges its
    own `extra_body` argument into the body, hence the double nesting in
    `options_to_params`. Whether AiHubMix's converter reads it is unverified.
    """
    thinking: dict[str, Any] = {}
    if opts.include_thoughts is not None:
        thinking["include_thoughts"] = opts.include_thoughts
    if opts.thinking_budget == -1:  # dynamic: no documented /v1 form
        thinking["thinking_budget"] = -1
    google: dict[str, Any] = {}
    if thinking:
        google["thinking_config"] = thinking
    if opts.safety_settings is not None:
        google["safety_settings"] = [
            {"category": c, "threshold": t} for c, t in opts.safety_settings
        ]
    return google


def _effort(opts: CallOptions) -> str | None:
    """`reasoning_effort`: the thinking level, or `"none"` for a zero budget.

    Thinking off is `reasoning_effort="none"` on Google's OpenAI layer (the one
    thinking control every OpenAI-compatible gateway reads), not a zero budget in
    `extra_body`, which AiHubMix may not forward; Google rejects both at once.
    """
    if opts.thinking_level is not None:
        return opts.thinking_level
    return "none" if opts.thinking_budget == 0 else None


def _budget(opts: CallOptions) -> dict[str, int] | None:
    """A positive budget as AiHubMix's documented `reasoning.max_tokens` (wire-notes
    §4.3), alone: Google's layer rejects two thinking controls in one request."""
    budget = opts.thinking_budget or 0
    return {"max_tokens": budget} if budget > 0 else None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of JSON objects; `override` wins on conflicts."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        both = isinstance(old, dict) and isinstance(value, dict)
        merged[key] = _merge(old, value) if both else value  # type: ignore[arg-type]
    return merged


def options_to_params(opts: CallOptions, *, stream: bool = False) -> dict[str, Any]:
    """Keyword arguments for `client.chat.completions.create` (without `messages`).

    Unset options are left out. `max_output_tokens` is sent as `max_tokens` (what
    AiHubMix's Gemini converter reads); `top_k` (no OpenAI parameter) goes top-level
    through `extra_body`; `opts.extra_body` is deep-merged into the body last.
    Streams always ask for usage (`stream_options.include_usage`). Native-only
    options were refused when `opts` was resolved.
    """
    # Google Search (the one built-in tool left): the gateway adds `googleSearch`
    # for `web_search_options`, as for a `-search` id (wire-notes §4.3)
    search = any(isinstance(t, BuiltinTool) for t in opts.tools)
    params: dict[str, Any] = {"model": opts.model}
    plain: dict[str, Any] = {
        "temperature": opts.temperature,
        "top_p": opts.top_p,
        "max_tokens": opts.max_output_tokens,
        "seed": opts.seed,
        "presence_penalty": opts.presence_penalty,
        "frequency_penalty": opts.frequency_penalty,
        "n": opts.n,
        "stop": list(opts.stop) if opts.stop is not None else None,
        "reasoning_effort": _effort(opts),
        "response_format": _response_format(opts),
        "reasoning": _budget(opts),
        "web_search_options": {} if search else None,
    }
    params.update({k: v for k, v in plain.items() if v is not None})
    tools = _tools(opts)
    if tools:
        params["tool_choice"], params["tools"] = _tool_choice(opts.tool_choice, tools)
        if opts.parallel_tool_calls is not None:
            params["parallel_tool_calls"] = opts.parallel_tool_calls
    body: dict[str, Any] = {}
    if opts.top_k is not None:
        body["top_k"] = opts.top_k
    if google := _google_extensions(opts):
        body["extra_body"] = {"google": google}
    body = _merge(body, opts.extra_body or {})
    if body:
        params["extra_body"] = body
    if stream:
        params |= {"stream": True, "stream_options": {"include_usage": True}}
    return params
