"""`base_url` as AiHubMix's guides write it, and 404s that are not about a model.

Every form of the gateway root a user copies from a guide or an SDK snippet
(`.../v1`, `.../gemini`, `.../gemini/v1beta`, trailing slashes) reaches the same
endpoints on both routes; a 404 for a path the gateway does not serve is an
`*EndpointNotFoundError` that says to check `base_url`, never a model-not-found.
"""

from __future__ import annotations

import socket
from itertools import product
from typing import Any

import openai
import pytest
from google.genai import errors as genai_errors
from langchain_core.exceptions import (
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
)

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.errors import (
    NativeEndpointNotFoundError,
    NativeNotFoundError,
    OpenAIEndpointNotFoundError,
    OpenAINotFoundError,
)
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import KEY, Request, raw_server, response
from tests.support import arun, closed_port, turns

ROUTES = ["native", "openai"]
ENTRIES = ["invoke", "stream", "ainvoke", "astream", "batch"]
SUFFIXES = [
    "",
    "/",
    "/v1",
    "/v1/",
    "/gemini",
    "/gemini/",
    "/gemini/v1beta",
    "/gemini/v1beta/",
    "/gemini/v1",
    "//",
]
PATH_OF = {"native": "/gemini/v1beta/models/", "openai": "/v1/chat/completions"}
ENDPOINT_ERROR = {
    "native": NativeEndpointNotFoundError,
    "openai": OpenAIEndpointNotFoundError,
}
MODEL_ERROR = {"native": NativeNotFoundError, "openai": OpenAINotFoundError}
SDK_404 = {"native": genai_errors.ClientError, "openai": openai.NotFoundError}


def _llm(base_url: str, transport: str, api_key: str) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(
        model="gemini-2.5-flash",
        transport=transport,  # type: ignore[arg-type]
        base_url=base_url,
        api_key=api_key,
        max_retries=0,
    )


@pytest.mark.parametrize(
    ("transport", "suffix", "entry"), turns(product(ROUTES, SUFFIXES), ENTRIES)
)
async def test_guide_forms_of_base_url_reach_the_gateway(
    hub: AiHubMixEmulator, transport: str, suffix: str, entry: str
) -> None:
    """Each form on each route; the entry points take turns (the URL is fixed at
    construction, the same for all of them)."""
    llm = _llm(hub.base_url + suffix, transport, hub.api_key)
    assert llm.base_url == hub.base_url
    assert (await arun(llm, entry, "hi")).text == "Echo: hi"
    (request,) = hub.requests
    assert request.path.startswith(PATH_OF[transport])


def test_base_url_from_the_environment_is_normalised(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIHUBMIX_BASE_URL", hub.base_url + "/gemini/v1beta/")
    llm = ChatAiHubMixGemini(model="gemini-2.5-flash", api_key=hub.api_key)
    assert llm.base_url == hub.base_url
    assert llm.invoke("hi").text == "Echo: hi"


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("transport", ROUTES)
async def test_wrong_path_is_not_an_unknown_model(
    hub: AiHubMixEmulator, transport: str, entry: str
) -> None:
    """The gateway's own "Invalid URL" 404 (its path echo contains `models/`)."""
    llm = _llm(hub.base_url + "/api", transport, hub.api_key)
    with pytest.raises(ENDPOINT_ERROR[transport]) as info:
        await arun(llm, entry, "hi")
    err = info.value
    assert not isinstance(err, ModelNotFoundError)
    assert isinstance(err, ModelInvalidRequestError)
    assert isinstance(err, SDK_404[transport])  # still the SDK's 404 type
    assert err.status_code == 404
    assert "Invalid URL" in str(err) and "base_url" in str(err)


def _plain_404(request: Request, conn: socket.socket) -> None:
    headers = {"Connection": "close"}
    body = "404 page not found"
    conn.sendall(response(404, body, headers=headers, content_type="text/plain"))
    conn.shutdown(socket.SHUT_RDWR)  # the serving thread ends at once


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("transport", ROUTES)
async def test_plain_text_404_is_not_an_unknown_model(
    transport: str, entry: str
) -> None:
    """A proxy's or router's bare 404 (Go's default body) in front of the gateway."""
    with raw_server(_plain_404) as srv:
        llm = _llm(srv.base_url + "/aihubmix", transport, KEY)
        with pytest.raises(ENDPOINT_ERROR[transport]) as info:
            await arun(llm, entry, "hi")
    assert not isinstance(info.value, ModelNotFoundError)
    assert "page not found" in str(info.value) and "base_url" in str(info.value)
    assert srv.requests[0].path.startswith("/aihubmix" + PATH_OF[transport])


UNKNOWN_MODEL: dict[str, dict[str, Any]] = {
    "native": {
        "error": {
            "code": 404,
            "message": "models/gemini-9-ultra is not found for API version v1beta, "
            "or is not supported for generateContent.",
            "status": "NOT_FOUND",
        }
    },
    "openai": {
        "error": {
            "message": "The model `gemini-9-ultra` does not exist",
            "type": "invalid_request_error",
            "code": "model_not_found",
        }
    },
}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("transport", ROUTES)
async def test_unknown_model_404_stays_model_not_found(
    hub: AiHubMixEmulator, transport: str, entry: str
) -> None:
    hub.queue(error=(404, UNKNOWN_MODEL[transport]))
    with pytest.raises(MODEL_ERROR[transport]) as info:
        await arun(_llm(hub.base_url, transport, hub.api_key), entry, "hi")
    assert isinstance(info.value, ModelNotFoundError)
    assert "gemini-9-ultra" in str(info.value) and "base_url" not in str(info.value)


@pytest.mark.parametrize("model", ["gemini-2.5-flsh", "Gemini-2.5-Flash"])
@pytest.mark.parametrize("entry", ["invoke", "astream"])
@pytest.mark.parametrize("transport", ROUTES)
async def test_an_unknown_model_id_suggests_the_nearest_known_ids(
    hub: AiHubMixEmulator, transport: str, entry: str, model: str
) -> None:
    llm = _llm(hub.base_url, transport, hub.api_key).model_copy(update={"model": model})
    with pytest.raises(
        ModelNotFoundError, match=r"Known ids near it: gemini-2\.5-flash,"
    ):
        await arun(llm, entry, "hi")


@pytest.mark.parametrize("entry", ["invoke", "stream", "ainvoke", "astream"])
@pytest.mark.parametrize("transport", ROUTES)
async def test_a_connection_error_names_the_host(transport: str, entry: str) -> None:
    llm = _llm(closed_port(), transport, "sk-test")  # refused at once
    with pytest.raises(
        ModelConnectionError, match=r"^Connection error \(127\.0\.0\.1\)"
    ):
        await arun(llm, entry, "hi")
