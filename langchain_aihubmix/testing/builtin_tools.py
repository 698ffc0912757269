"""What Gemini's built-in tools give back: code and its output, search, URL context."""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any

_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_NUMBER = r"\d+(?:\.\d+)?"
_EXPRESSION = re.compile(rf"\(*{_NUMBER}\)*(?:\s*(?:\*\*|[-+*/])\s*\(*{_NUMBER}\)*)+")


def short_id(seed: str) -> str:
    """An 8-character id like Gemini's call ids, derived from `seed`."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:8])


def echo(text: str) -> str:
    """The prompt on one line, at most 300 characters."""
    text = " ".join(text.split())
    return (text[:300] + "...") if len(text) > 300 else (text or "(empty prompt)")


def _arith(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return _OPS[type(node.op)](left, right)
    raise ValueError("not arithmetic")


def code_for(text: str) -> tuple[str, str]:
    """(code, printed output) that evaluates the arithmetic in `text` (`+ - * / **`,
    parentheses), else prints the prompt's length."""
    match = _EXPRESSION.search(text)
    try:
        if not match:
            raise ValueError("no expression")
        expr = match.group(0)
        return f"print({expr})", f"{_arith(ast.parse(expr, mode='eval').body)}\n"
    except (ValueError, ZeroDivisionError, SyntaxError, OverflowError):
        return f"print(len({text!r}))", f"{len(text)}\n"


def search(text: str) -> tuple[str, dict[str, Any]]:
    """An answer with two cited sentences, and its `groundingMetadata`."""
    topic = echo(text)[:120]
    first = f"Search results describe {topic}."
    second = "Two sources agree on this."
    chunks = []
    for n, title in enumerate(("example.com", "wikipedia.org")):
        token = (
            short_id(f"{topic}|{n}").upper()
            + hashlib.sha256(title.encode()).hexdigest()[:24]
        )
        uri = f"https://vertexaisearch.cloud.google.com/grounding-api-redirect/{token}"
        chunks.append({"web": {"uri": uri, "title": title}})
    start2 = len(first.encode()) + 1
    supports = [
        {
            "segment": {"startIndex": 0, "endIndex": start2 - 1, "text": first},
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
    return f"{first} {second}", grounding


def url_context(text: str) -> dict[str, Any]:
    """`urlContextMetadata` for the URLs in `text` (example.com when none)."""
    urls = re.findall(r"https?://[^\s\"'<>)]+", text) or ["https://example.com"]
    return {
        "urlMetadata": [
            {"retrievedUrl": u, "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"}
            for u in urls
        ]
    }


def unsafe_ratings() -> list[dict[str, Any]]:
    """Safety ratings of an answer stopped for dangerous content."""
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
