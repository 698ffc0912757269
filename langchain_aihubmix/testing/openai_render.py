"""OpenAI route output: chat.completion JSON and chunks, shaped by `OpenAIQuirks`."""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any

from langchain_aihubmix.testing.brain import Answer, Candidate, Part
from langchain_aihubmix.testing.native_render import visible_tokens
from langchain_aihubmix.testing.state import OpenAIQuirks
from langchain_aihubmix.testing.tokens import PromptTally

_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "MALFORMED_FUNCTION_CALL": "stop",
}
_TAGS = {
    "thought_tags": ("<thought>", "</thought>"),
    "think_tags": ("<think>", "</think>"),
}


def usage(
    answer: Answer,
    tally: PromptTally,
    cached: int,
    quirks: OpenAIQuirks,
    fraction: float = 1.0,
) -> dict[str, Any]:
    """OpenAI `usage` (cumulative up to `fraction` of the visible output)."""
    visible = sum(sum(visible_tokens(c.parts).values()) for c in answer.candidates)
    visible = math.ceil(visible * fraction)
    prompt = tally.total + answer.tool_use_tokens
    thoughts = answer.thoughts_tokens
    completion = visible if quirks.completion_excludes_reasoning else visible + thoughts
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + visible + thoughts,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": thoughts},
    }


def _finish(cand: Candidate, calls: list[Part], quirks: OpenAIQuirks) -> str:
    if calls and cand.finish_reason == "STOP":
        return "stop" if quirks.finish_reason_stop_for_tools else "tool_calls"
    return _FINISH.get(cand.finish_reason, "stop")


def _texts(cand: Candidate) -> tuple[str, str]:
    """(thoughts, visible content) of a candidate; code parts become markdown."""
    thoughts = "".join(p.text for p in cand.parts if p.kind == "thought")
    out = []
    for part in cand.parts:
        if part.kind == "text":
            out.append(part.text)
        elif part.kind == "code":
            out.append(f"```python\n{part.text}\n```\n")
        elif part.kind == "result":
            out.append(f"```\n{part.text}```\n")
    return thoughts, "".join(out)


def _call_id(part: Part, quirks: OpenAIQuirks) -> str:
    return "" if quirks.tool_delta_empty_ids else f"call_{secrets.token_hex(12)}"


def _signature(calls: list[Part]) -> str | None:
    return calls[0].signature if calls else None


def _annotations(cand: Candidate) -> list[dict[str, Any]]:
    if not cand.grounding:
        return []
    chunks = cand.grounding.get("groundingChunks") or []
    out = []
    for support in cand.grounding.get("groundingSupports") or []:
        segment = support["segment"]
        for index in support["groundingChunkIndices"]:
            web = chunks[index]["web"]
            out.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "url": web["uri"],
                        "title": web["title"],
                        "start_index": segment["startIndex"],
                        "end_index": segment["endIndex"],
                    },
                }
            )
    return out


def completion(
    model: str, answer: Answer, tally: PromptTally, cached: int, quirks: OpenAIQuirks
) -> dict[str, Any]:
    """A whole `chat.completion`."""
    choices = []
    if answer.block_reason:
        choices.append(
            {
                "index": 0,
                "message": {"role": "assistant", "content": ""},
                "finish_reason": "content_filter",
            }
        )
    for index, cand in enumerate(answer.candidates):
        thoughts, content = _texts(cand)
        calls = [p for p in cand.parts if p.kind == "call"]
        message: dict[str, Any] = {"role": "assistant"}
        if thoughts and quirks.reasoning_field in _TAGS:
            open_tag, close_tag = _TAGS[quirks.reasoning_field]
            content = f"{open_tag}{thoughts}{close_tag}{content}"
        elif thoughts:
            message[quirks.reasoning_field] = thoughts
        message["content"] = content if content or not calls else None
        if calls:
            message["tool_calls"] = [
                {
                    "id": _call_id(p, quirks),
                    "type": "function",
                    "function": {"name": p.name, "arguments": json.dumps(p.args)},
                }
                for p in calls
            ]
            sig = _signature(calls)
            if sig and quirks.signature_in_delta:
                message["extra_content"] = {"google": {"thought_signature": sig}}
            elif sig:
                message["tool_calls"][0]["extra_content"] = {
                    "google": {"thought_signature": sig}
                }
        annotations = _annotations(cand)
        if annotations:
            message["annotations"] = annotations
        choices.append(
            {
                "index": index,
                "message": message,
                "finish_reason": _finish(cand, calls, quirks),
            }
        )
    return {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": usage(answer, tally, cached, quirks),
    }


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]


def _tool_deltas(
    calls: list[Part], quirks: OpenAIQuirks, size: int
) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = []
    for n, part in enumerate(calls):
        index = 0 if quirks.tool_delta_repeat_index0 else n
        arguments = json.dumps(part.args)
        first_args = (
            "{}"
            if quirks.tool_args_placeholder
            else ""
            if quirks.tool_args_split
            else arguments
        )
        first: dict[str, Any] = {
            "index": index,
            "id": _call_id(part, quirks),
            "type": "function",
            "function": {"name": part.name, "arguments": first_args},
        }
        if n == 0 and part.signature and not quirks.signature_in_delta:
            first["extra_content"] = {"google": {"thought_signature": part.signature}}
        group = [first]
        if quirks.tool_args_placeholder:
            group.append({"index": index, "function": {"arguments": arguments}})
        elif quirks.tool_args_split:
            step = max(1, math.ceil(len(arguments) / 3))
            group += [
                {"index": index, "function": {"arguments": p}}
                for p in _pieces(arguments, step)
            ]
        for delta in group:
            if quirks.tool_delta_no_index:
                delta.pop("index")
            deltas.append({"tool_calls": [delta]})
    return deltas


def stream(
    model: str,
    answer: Answer,
    tally: PromptTally,
    cached: int,
    quirks: OpenAIQuirks,
    *,
    size: int,
    include_usage: bool,
) -> list[dict[str, Any]]:
    """`chat.completion.chunk`s for an answer."""
    plan: list[
        tuple[int, dict[str, Any], str | None, int]
    ] = []  # (choice, delta, finish, weight)
    if answer.block_reason:
        plan.append((0, {"role": "assistant", "content": ""}, "content_filter", 0))
    for index, cand in enumerate(answer.candidates):
        thoughts, content = _texts(cand)
        calls = [p for p in cand.parts if p.kind == "call"]
        deltas: list[tuple[dict[str, Any], int]] = [
            ({"role": "assistant", "content": ""}, 0)
        ]
        if thoughts and quirks.reasoning_field in _TAGS:
            open_tag, close_tag = _TAGS[quirks.reasoning_field]
            thinking = f"{open_tag}{thoughts}{close_tag}"
            deltas += [({"content": p}, 0) for p in _pieces(thinking, size)]
        elif thoughts:
            deltas += [
                ({quirks.reasoning_field: p}, 0) for p in _pieces(thoughts, size)
            ]
        deltas += [({"content": p}, len(p)) for p in _pieces(content, size)]
        deltas += [(d, 40) for d in _tool_deltas(calls, quirks, size)]
        sig = _signature(calls)
        if sig and quirks.signature_in_delta:
            deltas.append(
                ({"extra_content": {"google": {"thought_signature": sig}}}, 0)
            )
        annotations = _annotations(cand)
        if annotations:
            deltas.append(({"annotations": annotations}, 0))
        plan += [(index, d, None, w) for d, w in deltas]
        plan.append((index, {}, _finish(cand, calls, quirks), 0))
    base = {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }
    total_weight = sum(w for *_, w in plan) or 1
    done = 0
    chunks = []
    for n, (index, delta, finish, weight) in enumerate(plan):
        done += weight
        chunk = {
            **base,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
        }
        if quirks.usage_every_chunk:
            fraction = 1.0 if n == len(plan) - 1 else done / total_weight
            chunk["usage"] = usage(answer, tally, cached, quirks, fraction)
        chunks.append(chunk)
    if include_usage and not quirks.usage_every_chunk:
        chunks.append(
            {**base, "choices": [], "usage": usage(answer, tally, cached, quirks)}
        )
    return chunks


def split(completion_body: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """Cut a scripted `chat.completion` into chunks (text fields in pieces)."""
    base = {k: completion_body.get(k) for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    chunks = []
    for choice in completion_body.get("choices") or []:
        index = choice.get("index", 0)
        message = choice.get("message") or {}
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        for field in ("reasoning_content", "reasoning", "content"):
            if isinstance(message.get(field), str):
                deltas += [{field: p} for p in _pieces(message[field], size)]
        for n, call in enumerate(message.get("tool_calls") or []):
            deltas.append({"tool_calls": [{"index": n, **call}]})
        for key in ("extra_content", "annotations"):
            if key in message:
                deltas.append({key: message[key]})
        chunks += [
            {**base, "choices": [{"index": index, "delta": d, "finish_reason": None}]}
            for d in deltas
        ]
        chunks.append(
            {
                **base,
                "choices": [
                    {
                        "index": index,
                        "delta": {},
                        "finish_reason": choice.get("finish_reason", "stop"),
                    }
                ],
            }
        )
    if chunks and "usage" in completion_body:
        chunks[-1]["usage"] = completion_body["usage"]
    return chunks


def merge(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold scripted chunks into one `chat.completion` (for a non-stream request)."""
    choices: dict[int, dict[str, Any]] = {}
    out: dict[str, Any] = {"object": "chat.completion"}
    for chunk in chunks:
        for key in ("id", "created", "model", "usage"):
            if chunk.get(key) is not None:
                out[key] = chunk[key]
        for choice in chunk.get("choices") or []:
            slot = choices.setdefault(
                choice.get("index", 0), {"message": {"role": "assistant"}, "calls": {}}
            )
            delta = choice.get("delta") or {}
            for key, value in delta.items():
                if key == "tool_calls":
                    for call in value:
                        entry = slot["calls"].setdefault(
                            call.get("index", len(slot["calls"])),
                            {
                                "type": "function",
                                "function": {"name": "", "arguments": ""},
                            },
                        )
                        for k in ("id", "extra_content"):
                            if k in call:
                                entry[k] = call[k]
                        function = call.get("function") or {}
                        entry["function"]["name"] += function.get("name") or ""
                        entry["function"]["arguments"] += (
                            function.get("arguments") or ""
                        )
                elif isinstance(value, str) and key != "role":
                    slot["message"][key] = slot["message"].get(key, "") + value
                else:
                    slot["message"][key] = value
            if choice.get("finish_reason"):
                slot["finish_reason"] = choice["finish_reason"]
    out["choices"] = []
    for index, slot in sorted(choices.items()):
        message = slot["message"]
        if slot["calls"]:
            message["tool_calls"] = [c for _, c in sorted(slot["calls"].items())]
        out["choices"].append(
            {
                "index": index,
                "message": message,
                "finish_reason": slot.get("finish_reason", "stop"),
            }
        )
    return out
