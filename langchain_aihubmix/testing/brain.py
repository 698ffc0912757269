"""Deterministic answers from a route-neutral view of a request."""

from __future__ import annotations

import ast
import hashlib
import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_aihubmix.testing import speech, tokens
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


def _candidate(ask: Ask, mint: Mint, index: int) -> Candidate:
    text = ask.user_text
    if ask.speech_voice is not None:
        return Candidate([Part("audio", speech.pcm_base64(ask.speech_voice, text))])
    if "UNSAFE_ANSWER" in text:
        return Candidate(parts=[], finish_reason="SAFETY", safety_ratings=_unsafe())
    if "MALFORMED_CALL" in text and ask.functions:
        message = "Malformed function call: the model produced invalid call syntax."
        return Candidate(
            parts=[], finish_reason="MALFORMED_FUNCTION_CALL", finish_message=message
        )
    thoughts = _thoughts(ask) if ask.thinking and ask.include_thoughts else []
    calls = _calls(ask)
    if calls:
        if ask.thinking or is_gemini3(ask.model):
            calls[0].signature = mint(calls[0].name)
        server = _server_tool_run(ask, mint)
        return Candidate(
            parts=thoughts + server + calls,
            finish_message="Model generated function call(s).",
            grounding=_search(ask.user_text)[1] if server else None,
        )
    body, extra = _body(ask, mint, index)
    body, finish = _limit(body, ask)
    if is_gemini3(ask.model):
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
        extra["url_context"] = _url_context(text)
    if ask.tool_results:
        lines = [
            f"{name} returned {json.dumps(resp, sort_keys=True)}"
            for name, resp in ask.tool_results
        ]
        if not ask.json_mode:
            return [Part("text", "Results: " + "; ".join(lines) + suffix)], extra
        # A response schema holds for the answer after tool results too (Gemini 3
        # combines function calling with structured output).
        text = f"{text} Results: {'; '.join(lines)}"
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
            else {"answer": _echo(text)}
        )
        return [Part("text", json.dumps(value))], extra
    if ask.code_execution:
        return _code(ask, mint, suffix), extra
    if ask.google_search:
        answer_text, grounding = _search(text)
        extra["grounding"] = grounding
        return [Part("text", answer_text + suffix)], extra
    if ask.image_output:
        image = Part("image", TINY_PNG, signature=mint("image"))
        return [
            Part("text", f"Here is an image of {_echo(text)}" + suffix),
            image,
        ], extra
    return [Part("text", "Echo: " + _echo(text) + suffix)], extra


def _echo(text: str) -> str:
    text = " ".join(text.split())
    return (text[:300] + "...") if len(text) > 300 else (text or "(empty prompt)")


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
    topic = _echo(ask.user_text)[:80]
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
    """Calls to the offered tools named in the prompt (else the first one).

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
    chosen = [f for f in allowed if f.name.lower() in lowered] or allowed[:1]
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
        call_id = _short_id(seed) if gemini3 else None
        parts.append(
            Part(
                "call",
                name=spec.name,
                args=args if isinstance(args, dict) else {},
                id=call_id,
            )
        )
    return parts


def _server_tool_run(ask: Ask, mint: Mint) -> list[Part]:
    """A Google Search the server ran before calling a function (Gemini 3 tool
    combination): a signed `toolCall` and its `toolResponse`, only when the request
    asked for server-side tool invocations and offered Google Search."""
    if not (ask.server_tool_invocations and ask.google_search):
        return []
    if not is_gemini3(ask.model):
        return []
    query = _echo(ask.user_text)[:80]
    run_id = _short_id("search|" + ask.user_text)
    _, grounding = _search(ask.user_text)
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


def _short_id(seed: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:8])


_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _arith(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    raise ValueError("not arithmetic")


def _code(ask: Ask, mint: Mint, suffix: str) -> list[Part]:
    match = re.search(r"\d+(?:\.\d+)?(?:\s*[-+*/]\s*\d+(?:\.\d+)?)+", ask.user_text)
    try:
        if not match:
            raise ValueError("no expression")
        expr = match.group(0)
        output = f"{_arith(ast.parse(expr, mode='eval').body)}\n"
        code = f"print({expr})"
    except (ValueError, ZeroDivisionError, SyntaxError):
        code = f"print(len({ask.user_text!r}))"
        output = f"{len(ask.user_text)}\n"
    code_id = _short_id("code|" + ask.user_text) if is_gemini3(ask.model) else None
    code_part = Part("code", code, id=code_id)
    if is_gemini3(ask.model):
        code_part.signature = mint("code")
    return [
        code_part,
        Part("result", output, id=code_id),
        Part("text", f"The code printed {output.strip()}." + suffix),
    ]


def _search(text: str) -> tuple[str, dict[str, Any]]:
    topic = _echo(text)[:120]
    first = f"Search results describe {topic}."
    second = "Two sources agree on this."
    answer_text = f"{first} {second}"
    chunks = []
    for n, title in enumerate(("example.com", "wikipedia.org")):
        token = (
            _short_id(f"{topic}|{n}").upper()
            + hashlib.sha256(title.encode()).hexdigest()[:24]
        )
        uri = f"https://vertexaisearch.cloud.google.com/grounding-api-redirect/{token}"
        chunks.append({"web": {"uri": uri, "title": title}})
    start2 = len(first.encode()) + 1
    supports = [
        {
            "segment": {
                "startIndex": 0,
                "endIndex": len(first.encode()),
                "text": first,
            },
            "groundingChunkIndices": [0],
        },
        {
            "segment": {
                "startIndex": start2,
                "endIndex": start2 + len(second.encode()),
                "text": second,
            },
            "groundingChunkIndices": [0, 1],
        },
    ]
    grounding = {
        "searchEntryPoint": {
            "renderedContent": f'<div class="container">{topic}</div>'
        },
        "groundingChunks": chunks,
        "groundingSupports": supports,
        "webSearchQueries": [topic],
    }
    return answer_text, grounding


def _url_context(text: str) -> dict[str, Any]:
    urls = re.findall(r"https?://[^\s\"'<>)]+", text) or ["https://example.com"]
    return {
        "urlMetadata": [
            {"retrievedUrl": u, "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"}
            for u in urls
        ]
    }


def _unsafe() -> list[dict[str, Any]]:
    return [
        {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
        {
            "category": "HARM_CATEGORY_DANGEROUS_CONTENT",
            "probability": "HIGH",
            "blocked": True,
        },
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
        {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    ]
