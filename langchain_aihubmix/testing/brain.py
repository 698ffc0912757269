"""Deterministic answers from a route-neutral view of a request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from langchain_aihubmix.testing import speech, tokens
from langchain_aihubmix.testing.builtin_tools import (
    code_for,
    echo,
    search,
    short_id,
    unsafe_ratings,
    url_context,
)
from langchain_aihubmix.testing.catalog import is_gemini3
from langchain_aihubmix.testing.schema_values import keys_from_prompt, value_for

PartKind = Literal[
    "thought",
    "text",
    "call",
    "code",
    "result",
    "image",
    "audio",
    "tool_call",
    "tool_response",
]
Mint = Callable[[str], str]
ReplyKind = Literal["malformed_function_call", "unexpected_tool_call", "empty"]
"""Replies a test can queue (`hub.queue(reply=...)`), rendered for either route."""
REPLY_KINDS: frozenset[str] = frozenset(get_args(ReplyKind))
MALFORMED_MESSAGE = "Malformed function call: the model produced invalid call syntax."

# 1x1 transparent PNG.
TINY_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)
ONE_AT_A_TIME = "one at a time"
"""Prompt phrase: call the named tools sequentially, one per model step."""
_LEVEL_TOKENS = {"MINIMAL": 8, "LOW": 32, "MEDIUM": 64, "HIGH": 128}


@dataclass
class FunctionSpec:
    """An offered function: its name and parameter schema (JSON Schema or OpenAPI)."""

    name: str
    schema: Any = None


@dataclass
class Ask:
    """What the model is asked, whatever the route."""

    model: str
    user_text: str = ""
    tool_results: list[tuple[str, Any]] = field(default_factory=list)
    """(name, response) of every tool result since the last user text, in order."""
    called: list[str] = field(default_factory=list)
    """Names of the tools answered since the last user text (the current turn)."""
    functions: list[FunctionSpec] = field(default_factory=list)
    tool_mode: str = "AUTO"
    allowed: list[str] | None = None
    code_execution: bool = False
    google_search: bool = False
    url_context: bool = False
    server_tool_invocations: bool = False
    """`toolConfig.includeServerSideToolInvocations`: built-in tool runs as parts."""
    json_mode: bool = False
    json_schema: Any = None
    thinking: bool = True
    include_thoughts: bool = False
    thinking_level: str | None = None
    thinking_budget: int | None = None
    image_output: bool = False
    speech_voice: str | None = None
    """The voice of a TTS answer (a TTS model asked for AUDIO), else None."""
    candidate_count: int = 1
    max_output_tokens: int | None = None
    stop_sequences: list[str] = field(default_factory=list)


@dataclass
class Part:
    """One output part (route-neutral)."""

    kind: PartKind
    text: str = ""
    name: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    signature: str | None = None


@dataclass
class Candidate:
    """One candidate answer."""

    parts: list[Part]
    finish_reason: str = "STOP"
    finish_message: str | None = None
    safety_ratings: list[dict[str, Any]] | None = None
    grounding: dict[str, Any] | None = None
    url_context: dict[str, Any] | None = None


@dataclass
class Answer:
    """The whole answer: candidates (or a prompt block) and hidden token counts."""

    candidates: list[Candidate]
    block_reason: str | None = None
    thoughts_tokens: int = 0
    tool_use_tokens: int = 0


def answer(ask: Ask, mint: Mint) -> Answer:
    """Decide: block, safety, calls, tool-result text, JSON, code, search, text."""
    if "BLOCK_ME" in ask.user_text:
        return Answer(candidates=[], block_reason="PROHIBITED_CONTENT")
    candidates = [_candidate(ask, mint, i) for i in range(max(1, ask.candidate_count))]
    thoughts = _thought_tokens(ask, candidates) if ask.thinking else 0
    tool_use = 0
    if ask.code_execution or ask.google_search:
        tool_use = 40 + tokens.count(ask.user_text)
    return Answer(
        candidates=candidates, thoughts_tokens=thoughts, tool_use_tokens=tool_use
    )


def special(kind: ReplyKind) -> Answer:
    """A queued reply without content: a malformed or unexpected call, or nothing."""
    if kind == "malformed_function_call":
        reason, message = "MALFORMED_FUNCTION_CALL", MALFORMED_MESSAGE
    elif kind == "unexpected_tool_call":
        reason, message = "UNEXPECTED_TOOL_CALL", None
    else:
        reason, message = "STOP", None
    return Answer([Candidate(parts=[], finish_reason=reason, finish_message=message)])


def _candidate(ask: Ask, mint: Mint, index: int) -> Candidate:
    text = ask.user_text
    if ask.speech_voice is not None:
        return Candidate([Part("audio", speech.pcm_base64(ask.speech_voice, text))])
    if "UNSAFE_ANSWER" in text:
        return Candidate([], finish_reason="SAFETY", safety_ratings=unsafe_ratings())
    if "MALFORMED_CALL" in text and ask.functions:
        return special("malformed_function_call").candidates[0]
    thoughts = _thoughts(ask) if ask.thinking and ask.include_thoughts else []
    calls = _calls(ask)
    if calls:
        if ask.thinking or is_gemini3(ask.model):
            calls[0].signature = mint(calls[0].name)
        server = _server_tool_run(ask, mint)
        return Candidate(
            parts=thoughts + server + calls,
            finish_message="Model generated function call(s).",
            grounding=search(ask.user_text)[1] if server else None,
        )
    body, extra = _body(ask, mint, index)
    body, finish = _limit(body, ask)
    if is_gemini3(ask.model):
        if ask.image_output and body and not body[0].signature:
            body[0].signature = mint(body[0].kind)  # image models sign the first part
        if not any(p.signature for p in body):
            body.append(Part("text", signature=mint("text")))
    elif ask.thinking and body and not body[0].signature:
        body[0].signature = mint("text")
    return Candidate(parts=thoughts + body, finish_reason=finish, **extra)


def _body(ask: Ask, mint: Mint, index: int) -> tuple[list[Part], dict[str, Any]]:
    suffix = f" [{index + 1}]" if index else ""
    text = ask.user_text
    extra: dict[str, Any] = {}
    if ask.url_context:
        extra["url_context"] = url_context(text)
    if ask.tool_results:
        said = results_text(ask.tool_results)
        if not ask.json_mode:
            return [Part("text", said + suffix)], extra
        # A response schema holds for the answer after tool results too (Gemini 3
        # combines function calling with structured output).
        text = f"{text} {said}"
    if ask.json_mode:
        keys = keys_from_prompt(text)
        value = (
            value_for(ask.json_schema, text)
            if ask.json_schema
            else value_for(
                {"type": "object", "properties": {k: {"type": "string"} for k in keys}},
                text,
            )
            if keys
            else {"answer": echo(text)}
        )
        return [Part("text", json.dumps(value))], extra
    if ask.code_execution:
        return _code(ask, mint, suffix), extra
    if ask.google_search:
        answer_text, grounding = search(text)
        extra["grounding"] = grounding
        return [Part("text", answer_text + suffix)], extra
    if ask.image_output:
        image = Part("image", TINY_PNG, signature=mint("image"))
        return [
            Part("text", f"Here is an image of {echo(text)}" + suffix),
            image,
        ], extra
    return [Part("text", "Echo: " + echo(text) + suffix)], extra


def results_text(results: list[tuple[str, Any]]) -> str:
    """The answer after tool results, made of them: a result that is a sentence is
    said as is ("It is 22 °C in Paris."), an error as `<tool> failed: <error>`,
    anything else as `<tool> returned <value>.`"""
    said = []
    for name, response in results:
        value = response
        if isinstance(value, dict) and len(value) == 1 and "result" in value:
            value = value["result"]
        if isinstance(value, dict) and set(value) == {"error"}:
            said.append(f"{name} failed: {_plain(value['error'])}")
        elif isinstance(value, str) and " " in value.strip():
            said.append(value.strip())
        else:
            said.append(f"{name} returned {_plain(value)}".rstrip())
    return " ".join(s if s[-1:] in ".!?" else s + "." for s in said)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _limit(parts: list[Part], ask: Ask) -> tuple[list[Part], str]:
    """Apply stop sequences (finish STOP) and maxOutputTokens (finish MAX_TOKENS)."""
    finish = "STOP"
    budget = ask.max_output_tokens * 4 if ask.max_output_tokens else None
    used = 0
    for part in parts:
        if part.kind != "text":
            continue
        for stop in ask.stop_sequences:
            if stop and stop in part.text:
                part.text = part.text[: part.text.index(stop)]
        if budget is not None:
            room = max(0, budget - used)
            if len(part.text) > room:
                part.text, finish = part.text[:room], "MAX_TOKENS"
            used += len(part.text)
    return [p for p in parts if p.kind != "text" or p.text or p.signature], finish


def _thoughts(ask: Ask) -> list[Part]:
    topic = echo(ask.user_text)[:80]
    return [
        Part("thought", f"**Reading the request**\n\nThe user wrote: {topic}\n\n"),
        Part(
            "thought",
            "**Planning the answer**\n\nI will answer directly and briefly.\n\n",
        ),
    ]


def _thought_tokens(ask: Ask, candidates: list[Candidate]) -> int:
    extra = _LEVEL_TOKENS.get((ask.thinking_level or "").upper(), 64)
    if ask.thinking_budget and ask.thinking_budget > 0:
        extra = min(extra, ask.thinking_budget)
    shown = sum(
        tokens.count(p.text) for c in candidates for p in c.parts if p.kind == "thought"
    )
    return shown + extra


def _calls(ask: Ask) -> list[Part]:
    """Calls to the offered tools named in the prompt (else the one named most
    closely: `get_weather` for "the weather in Oslo"; else the first one).

    After tool results the model answers in text, unless the prompt says "one at a
    time": then it calls the named tools in prompt order, one per step, until every
    one has been called in this turn (a multi-step tool loop).
    """
    if not ask.functions or ask.tool_mode == "NONE":
        return []
    stepwise = ONE_AT_A_TIME in ask.user_text.lower()
    if ask.tool_mode != "ANY" and ask.tool_results and not stepwise:
        return []
    allowed = [f for f in ask.functions if ask.allowed is None or f.name in ask.allowed]
    if not allowed:
        return []
    lowered = ask.user_text.lower()
    chosen = [f for f in allowed if f.name.lower() in lowered] or [
        max(allowed, key=lambda f: len(_words(f.name) & _words(ask.user_text)))
    ]  # else the one whose name's words the prompt uses most (ties: the first)
    if stepwise:
        chosen.sort(key=lambda f: lowered.find(f.name.lower()))
        pending = [f for f in chosen if f.name not in ask.called]
        if not pending and ask.tool_mode != "ANY":
            return []
        chosen = (pending or chosen)[:1]
    gemini3 = is_gemini3(ask.model)
    parts = []
    for n, spec in enumerate(chosen):
        args = value_for(spec.schema, ask.user_text) if spec.schema else {}
        seed = f"{ask.user_text}|{spec.name}|{n}"
        seed += f"|{len(ask.called)}" if ask.called else ""
        call_id = short_id(seed) if gemini3 else None
        parts.append(
            Part(
                "call",
                name=spec.name,
                args=args if isinstance(args, dict) else {},
                id=call_id,
            )
        )
    return parts


def _words(text: str) -> set[str]:
    """Lower-case words, `camelCase` and `snake_case` names split (`getWeather`)."""
    return set(
        re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower())
    )


def _server_tool_run(ask: Ask, mint: Mint) -> list[Part]:
    """A Google Search the server ran before calling a function (Gemini 3 tool
    combination): a signed `toolCall` and its `toolResponse`, only when the request
    asked for server-side tool invocations and offered Google Search."""
    if not (ask.server_tool_invocations and ask.google_search):
        return []
    if not is_gemini3(ask.model):
        return []
    query = echo(ask.user_text)[:80]
    run_id = short_id("search|" + ask.user_text)
    _, grounding = search(ask.user_text)
    results = [chunk["web"] for chunk in grounding["groundingChunks"]]
    return [
        Part(
            "tool_call",
            name="GOOGLE_SEARCH_WEB",
            args={"queries": [query]},
            id=run_id,
            signature=mint("tool_call"),
        ),
        Part(
            "tool_response",
            name="GOOGLE_SEARCH_WEB",
            args={"search_results": results},
            id=run_id,
        ),
    ]


def _code(ask: Ask, mint: Mint, suffix: str) -> list[Part]:
    code, output = code_for(ask.user_text)
    gemini3 = is_gemini3(ask.model)
    code_id = short_id("code|" + ask.user_text) if gemini3 else None
    signature = mint("code") if gemini3 else None
    return [
        Part("code", code, id=code_id, signature=signature),
        Part("result", output, id=code_id),
        Part("text", f"The code printed {output.strip()}." + suffix),
    ]
