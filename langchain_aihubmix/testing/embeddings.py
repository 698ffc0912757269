"""`POST /v1/embeddings`: deterministic vectors from the words of each text.

Each text becomes a hashed bag of words (stop words dropped, a plural `s` folded),
normalised to unit length, so texts that share words are near each other and a
small vector store retrieves sensibly. The checks follow the gateway family's
Gemini converter (one-api / new-api: one `batchEmbedContents` per request) and
Gemini's own limits:

- unknown model: the gateway's 404; a known model that does not embed: Google's
  404 in the gateway's envelope ("... is not supported for batchEmbedContents");
- more than 100 inputs: Google's 400 "BatchEmbedContentsRequest.requests: at most
  100 requests can be in one batch" (quoted in weaviate/weaviate PR #11277);
- an empty string: Google's 400 for a part without data (reconstructed wording);
- token arrays instead of strings, no input, `dimensions` outside 1..3072: 400
  (reconstructed wording);
- `task_type` and `encoding_format` are ignored, as those converters ignore them
  (their request structs have no such fields; floats are always returned).

Usage is `prompt_tokens` (= `total_tokens`), counted like the chat routes. Test
switches (`OpenAIQuirks.embedding_order`): `"shuffled"` sends `data` in another
order with the right indices; `"index0"` gives every item `index: 0` in input order
(one-api's converter does).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, cast

from langchain_aihubmix.testing import catalog, tokens
from langchain_aihubmix.testing.errors import (
    HttpError,
    gateway_error,
    model_not_found,
)
from langchain_aihubmix.testing.reply import Exchange, JsonReply
from langchain_aihubmix.testing.state import State

BATCH_LIMIT = 100
MAX_DIMENSIONS = 3072
"""gemini-embedding-001's full size (its default)."""
BATCH_MESSAGE = (
    "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch"
)
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by do does for from has have how i in is it its of on "
        "or the their there this to was what when where which who why with you your",
    )
)


def is_embedding_model(model: str) -> bool:
    """Whether an id names an embedding model (`gemini-embedding-001`, ...)."""
    return "embedding" in model


def vector(text: str, size: int = MAX_DIMENSIONS) -> list[float]:
    """The unit vector of a text: each content word adds +-1 at two hashed places."""
    values = [0.0] * size
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP] or [text]
    for word in words:
        stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
        digest = hashlib.blake2b(stem.encode(), digest_size=16).digest()
        for k in (0, 8):
            place = int.from_bytes(digest[k : k + 7], "big")
            values[place % size] += 1.0 if digest[k + 7] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def handle(ex: Exchange, state: State) -> JsonReply:
    """Serve `POST /v1/embeddings`."""
    body = ex.body

    def fail(message: str, status: int = 400) -> HttpError:
        """The gateway's envelope (it relays Google's message in it)."""
        return gateway_error(status, message, ex.request_id, native=False)

    if not ex.body_ok or not isinstance(body, dict):
        raise fail("invalid request body: malformed JSON")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise fail("model is required")
    if not catalog.is_known(model, state.models):
        raise model_not_found(model, ex.request_id, native=False)
    if not is_embedding_model(model):
        raise fail(
            f"models/{model} is not found for API version v1beta, or is not "
            "supported for batchEmbedContents. Call ListModels to see the list of "
            "available models and their supported methods.",
            404,
        )
    texts = _inputs(body.get("input"), fail)
    size = body.get("dimensions") or MAX_DIMENSIONS
    if type(size) is not int or not 1 <= size <= MAX_DIMENSIONS:
        raise fail(f"dimensions must be an integer from 1 to {MAX_DIMENSIONS}")
    # Only queued errors apply here ("embeddings" matches no other script kind).
    scripted = state.pop_for(cast("Any", "embeddings"))
    if scripted is not None:
        status, error_body = scripted.payload
        raise HttpError(status, error_body)
    data = [
        {"object": "embedding", "index": n, "embedding": vector(text, size)}
        for n, text in enumerate(texts)
    ]
    order = state.quirks.embedding_order
    if order == "shuffled":
        data = data[1::2] + data[0::2]
    elif order == "index0":
        data = [{**item, "index": 0} for item in data]
    used = sum(tokens.count(text) for text in texts)
    usage = {"prompt_tokens": used, "total_tokens": used}
    return JsonReply({"object": "list", "data": data, "model": model, "usage": usage})


def _inputs(value: Any, fail: Any) -> list[str]:
    """The texts of `input` (a string or a list of strings), checked as Gemini does."""
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts:
        raise fail("input is required: a string or a non-empty list of strings")
    if not all(isinstance(t, str) for t in texts):
        raise fail("input must be text: token arrays are not supported for Gemini")
    if len(texts) > BATCH_LIMIT:
        raise fail(BATCH_MESSAGE)
    for n, text in enumerate(texts):
        if not text:
            raise fail(
                f"* BatchEmbedContentsRequest.requests[{n}].content.parts[0].data: "
                "required oneof field 'data' must have one initialized field",
            )
    return list(texts)
