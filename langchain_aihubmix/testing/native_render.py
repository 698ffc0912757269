"""Native route output: GenerateContentResponse JSON, stream chunks, chunk merging."""

from __future__ import annotations

import json
import math
import secrets
import string
from typing import Any

from langchain_aihubmix.testing import speech, tokens
from langchain_aihubmix.testing.brain import Answer, Candidate, Part
from langchain_aihubmix.testing.catalog import is_gemini3
from langchain_aihubmix.testing.tokens import PromptTally

_ID_ALPHABET = string.ascii_letters + string.digits


def response_id() -> str:
    """A random id like Gemini's `responseId` (23 characters)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(23))


def part_json(part: Part) -> dict[str, Any]:
    """One brain part as a Gemini `Part`."""
    out: dict[str, Any]
    if part.kind == "thought":
        out = {"text": part.text, "thought": True}
    elif part.kind == "text":
        out = {"text": part.text}
    elif part.kind == "call":
        call: dict[str, Any] = {"name": part.name, "args": part.args}
        if part.id:
            call["id"] = part.id
        out = {"functionCall": call}
    elif part.kind == "code":
        code: dict[str, Any] = {"language": "PYTHON", "code": part.text}
        out = {"executableCode": {**code, **({"id": part.id} if part.id else {})}}
    elif part.kind == "result":
        result: dict[str, Any] = {"outcome": "OUTCOME_OK", "output": part.text}
        out = {
            "codeExecutionResult": {**result, **({"id": part.id} if part.id else {})}
        }
    elif part.kind == "image":
        out = {"inlineData": {"mimeType": "image/png", "data": part.text}}
    elif part.kind == "audio":
        out = {"inlineData": {"mimeType": speech.MIME_TYPE, "data": part.text}}
    elif part.kind == "tool_call":
        run = {"toolType": part.name, "args": part.args, "id": part.id}
        out = {"toolCall": run}
    elif part.kind == "tool_response":
        run = {"toolType": part.name, "response": part.args, "id": part.id}
        out = {"toolResponse": run}
    else:
        raise ValueError(f"unknown part kind {part.kind!r}")
    if part.signature:
        out["thoughtSignature"] = part.signature
    return out


def visible_tokens(parts: list[Part]) -> dict[str, int]:
    """Tokens of the visible output by modality (TEXT, IMAGE, AUDIO)."""
    out = {"TEXT": 0, "IMAGE": 0, "AUDIO": 0}
    for part in parts:
        if part.kind == "image":
            out["IMAGE"] += tokens.IMAGE_OUTPUT_TOKENS
        elif part.kind == "audio":
            out["AUDIO"] += speech.audio_tokens(part.text)
        elif part.kind in ("call", "tool_call", "tool_response"):
            out["TEXT"] += tokens.count(part.name + json.dumps(part.args))
        elif part.kind != "thought":
            out["TEXT"] += tokens.count(part.text)
    return out


def usage(answer: Answer, tally: PromptTally, cached: int) -> dict[str, Any]:
    """`usageMetadata` for a whole answer."""
    prompt = tally.total
    out: dict[str, Any] = {"promptTokenCount": prompt}
    if answer.block_reason:
        out.update(totalTokenCount=prompt, promptTokensDetails=tally.details())
        return out
    by_modality = {"TEXT": 0, "IMAGE": 0, "AUDIO": 0}
    for cand in answer.candidates:
        for modality, count in visible_tokens(cand.parts).items():
            by_modality[modality] += count
    candidates = sum(by_modality.values())
    if candidates:
        out["candidatesTokenCount"] = candidates
    total = prompt + candidates + answer.thoughts_tokens + answer.tool_use_tokens
    out["totalTokenCount"] = total
    if cached:
        out["cachedContentTokenCount"] = cached
    out["promptTokensDetails"] = tally.details()
    if cached:
        out["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if by_modality["IMAGE"] or by_modality["AUDIO"]:
        out["candidatesTokensDetails"] = [
            {"modality": m, "tokenCount": n} for m, n in by_modality.items() if n
        ]
    if answer.tool_use_tokens:
        out["toolUsePromptTokenCount"] = answer.tool_use_tokens
        out["toolUsePromptTokensDetails"] = [
            {"modality": "TEXT", "tokenCount": answer.tool_use_tokens}
        ]
    if answer.thoughts_tokens:
        out["thoughtsTokenCount"] = answer.thoughts_tokens
    out["serviceTier"] = "standard"
    return out


def candidate_json(cand: Candidate, index: int) -> dict[str, Any]:
    """One candidate; a trailing empty signed text joins the text before it."""
    parts = [part_json(p) for p in cand.parts]
    if (
        len(parts) > 1
        and parts[-1].get("text") == ""
        and "text" in parts[-2]
        and not parts[-2].get("thought")
        and "thoughtSignature" not in parts[-2]
    ):
        signature = parts.pop()["thoughtSignature"]
        parts[-1]["thoughtSignature"] = signature
    out: dict[str, Any] = {}
    if parts:
        out["content"] = {"parts": parts, "role": "model"}
    elif cand.finish_reason != "SAFETY":
        out["content"] = {"role": "model"}
    out["finishReason"] = cand.finish_reason
    if cand.finish_message:
        out["finishMessage"] = cand.finish_message
    if cand.safety_ratings:
        out["safetyRatings"] = cand.safety_ratings
    if cand.grounding:
        out["groundingMetadata"] = cand.grounding
    if cand.url_context:
        out["urlContextMetadata"] = cand.url_context
    out["index"] = index
    return out


def response(
    model: str, answer: Answer, tally: PromptTally, cached: int
) -> dict[str, Any]:
    """A whole GenerateContentResponse."""
    out: dict[str, Any] = {}
    if answer.block_reason:
        out["promptFeedback"] = {"blockReason": answer.block_reason}
    else:
        out["candidates"] = [
            candidate_json(c, i) for i, c in enumerate(answer.candidates)
        ]
    out["usageMetadata"] = usage(answer, tally, cached)
    out["modelVersion"] = model
    out["responseId"] = response_id()
    return out


def split(resp: dict[str, Any], chunk_chars: int, model: str) -> list[dict[str, Any]]:
    """Cut a whole response into stream chunks the way Gemini streams.

    Text is cut into `chunk_chars` pieces, each thought part and each other part is
    its own chunk; Gemini 3 moves a text signature to a final empty text part;
    `finishReason` and candidate metadata ride on each candidate's last chunk;
    usage is cumulative on every chunk and ends at the response's usage.
    """
    candidates = resp.get("candidates")
    if not candidates:
        return [resp]
    common: dict[str, Any] = {
        k: resp[k] for k in ("modelVersion", "responseId") if k in resp
    }
    pieces: list[tuple[int, dict[str, Any] | None, dict[str, Any]]] = []
    for cand in candidates:
        index = cand.get("index", 0)
        meta = {k: v for k, v in cand.items() if k not in ("content", "index")}
        parts = _pieces(
            (cand.get("content") or {}).get("parts") or [], chunk_chars, model
        )
        if not parts:
            pieces.append((index, None, meta))
            continue
        for n, part in enumerate(parts):
            pieces.append((index, part, meta if n == len(parts) - 1 else {}))
    final = resp.get("usageMetadata") or {}
    weights = [_weight(p) for _, p, _ in pieces]
    total_weight = sum(weights) or 1
    done = 0
    chunks = []
    for (index, piece, meta), weight in zip(pieces, weights, strict=True):
        done += weight
        cand_out: dict[str, Any] = {}
        if piece is not None:
            cand_out["content"] = {"parts": [piece], "role": "model"}
        elif meta.get("finishReason") != "SAFETY":
            cand_out["content"] = {"role": "model"}
        cand_out.update(meta)
        cand_out["index"] = index
        chunk: dict[str, Any] = {"candidates": [cand_out]}
        if final:
            chunk["usageMetadata"] = _partial_usage(final, done / total_weight)
        chunk.update(common)
        chunks.append(chunk)
    if final and chunks:
        chunks[-1]["usageMetadata"] = final
    return chunks


def _pieces(parts: list[dict[str, Any]], size: int, model: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    trailing: str | None = None
    for part in parts:
        if "text" not in part or part.get("thought"):
            out.append(part)
            continue
        text, sig = part["text"], part.get("thoughtSignature")
        segments = [text[i : i + size] for i in range(0, len(text), max(1, size))]
        if sig and is_gemini3(model):
            trailing, sig = sig, None
        if sig and not segments:
            segments = [""]
        for n, segment in enumerate(segments):
            piece: dict[str, Any] = {"text": segment}
            if sig and n == 0:
                piece["thoughtSignature"] = sig
            out.append(piece)
    if trailing:
        out.append({"text": "", "thoughtSignature": trailing})
    return out


def _weight(part: dict[str, Any] | None) -> int:
    if part is None or part.get("thought"):
        return 0
    if "text" in part:
        return len(part["text"])
    return len(json.dumps(part))


def _partial_usage(final: dict[str, Any], fraction: float) -> dict[str, Any]:
    out = dict(final)
    candidates = math.ceil(final.get("candidatesTokenCount", 0) * min(1.0, fraction))
    out.pop("candidatesTokenCount", None)
    out.pop("candidatesTokensDetails", None)
    if candidates:
        out["candidatesTokenCount"] = candidates
    out["totalTokenCount"] = (
        final.get("promptTokenCount", 0)
        + candidates
        + final.get("thoughtsTokenCount", 0)
        + final.get("toolUsePromptTokenCount", 0)
    )
    return out


def merge(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold stream chunks back into one response (for scripted chunks, non-stream)."""
    if not chunks:
        return {}
    merged: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for cand in chunk.get("candidates") or []:
            index = cand.get("index", 0)
            target = merged.setdefault(index, {"parts": [], "meta": {}})
            for part in (cand.get("content") or {}).get("parts") or []:
                _append_part(target["parts"], dict(part))
            target["meta"].update(
                {k: v for k, v in cand.items() if k not in ("content", "index")}
            )
    out: dict[str, Any] = {k: v for k, v in chunks[-1].items() if k != "candidates"}
    if merged:
        cands = []
        for index, item in sorted(merged.items()):
            content = {"parts": item["parts"], "role": "model"}
            cands.append({"content": content, **item["meta"], "index": index})
        out["candidates"] = cands
    return out


def _append_part(parts: list[dict[str, Any]], part: dict[str, Any]) -> None:
    prev = parts[-1] if parts else None
    same_kind = (
        prev is not None
        and "text" in prev
        and "text" in part
        and bool(prev.get("thought")) == bool(part.get("thought"))
    )
    if (
        prev is not None
        and same_kind
        and not ("thoughtSignature" in prev and "thoughtSignature" in part)
    ):
        prev["text"] += part["text"]
        if "thoughtSignature" in part:
            prev["thoughtSignature"] = part["thoughtSignature"]
        return
    parts.append(part)
