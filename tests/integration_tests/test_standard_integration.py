"""langchain-tests' standard integration suite, per route: offline and live.

Offline, every class talks to one `AiHubMixEmulator` started for this module, and the
media the suite downloads from public URLs (a PNG, a PDF, a WAV) is served by a
loopback HTTP server: requests to those hosts are re-addressed at the transport
level, so both the suite's own `httpx.get` and the package's URL fetching hit it.
The live classes run only when AIHUBMIX_API_KEY is set.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import wave
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
import httpx2
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator

_MEDIA_HOSTS = frozenset(
    {"raw.githubusercontent.com", "www.w3.org", "upload.wikimedia.org"}
)
_LONG_PREFIX = "You are a terse assistant. " + "Context sentence number. " * 80

UsageDetail = Literal[
    "audio_input",
    "audio_output",
    "reasoning_output",
    "cache_read_input",
    "cache_creation_input",
]


# -- local media ---------------------------------------------------------------------


def _png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x30\x90\xe0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    text = b"BT /F1 12 Tf 20 40 Td (Dummy PDF file) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 80] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x10" * 4000)  # half a second
    return out.getvalue()


_FILES: dict[str, tuple[str, bytes]] = {
    ".png": ("image/png", _png()),
    ".pdf": ("application/pdf", _pdf()),
    ".wav": ("audio/wav", _wav()),
}


class _MediaHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        suffix = os.path.splitext(self.path.split("?", 1)[0])[1].lower()
        mime, data = _FILES.get(suffix, ("application/octet-stream", b""))
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_media() -> Iterator[None]:
    """Serve the suite's public media URLs from loopback for this module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    port = server.server_address[1]

    def local(request: Any) -> None:
        if request.url.host in _MEDIA_HOSTS:
            request.url = request.url.copy_with(
                scheme="http", host="127.0.0.1", port=port
            )
            request.headers["Host"] = f"127.0.0.1:{port}"

    def rerouted(sync: Any, asynchronous: Any) -> tuple[Any, Any]:
        sync_send, async_send = sync.handle_request, asynchronous.handle_async_request

        def handle(self: Any, request: Any) -> Any:
            local(request)
            return sync_send(self, request)

        async def ahandle(self: Any, request: Any) -> Any:
            local(request)
            return await async_send(self, request)

        return handle, ahandle

    with pytest.MonkeyPatch.context() as patch:
        # The suite downloads with httpx, the package with httpx2.
        for lib in (httpx, httpx2):
            handle, ahandle = rerouted(lib.HTTPTransport, lib.AsyncHTTPTransport)
            patch.setattr(lib.HTTPTransport, "handle_request", handle)
            patch.setattr(lib.AsyncHTTPTransport, "handle_async_request", ahandle)
        patch.setenv("LANGCHAIN_TESTS_USER_AGENT", "langchain-aihubmix-tests/0.1")
        yield
    server.shutdown()
    server.server_close()


_HUB = AiHubMixEmulator()


@pytest.fixture(scope="module")
def suite_hub() -> Iterator[AiHubMixEmulator]:
    """The emulator the offline classes talk to, running for this module."""
    with _HUB:
        yield _HUB


# -- offline: the emulator -----------------------------------------------------------


@pytest.mark.usefixtures("suite_hub", "local_media")
class TestNativeRouteIntegration(ChatModelIntegrationTests):
    transport: Literal["native", "openai"] = "native"

    @property
    def chat_model_class(self) -> type[ChatAiHubMixGemini]:
        return ChatAiHubMixGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "gemini-2.5-flash",
            "transport": self.transport,
            "base_url": _HUB.base_url,
            "api_key": _HUB.api_key,
            "max_retries": 0,
            # `local_media` serves the suite's public media URLs from loopback
            "allow_private_media_urls": True,
        }

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "gemini-2.5-flash-lite"

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[UsageDetail]]:
        return {
            "invoke": ["reasoning_output", "cache_read_input"],
            "stream": ["reasoning_output", "cache_read_input"],
        }

    def _fresh(self, **kwargs: Any) -> ChatAiHubMixGemini:
        return ChatAiHubMixGemini(**{**self.chat_model_params, **kwargs})

    def _call(
        self, llm: ChatAiHubMixGemini, messages: list[Any], *, stream: bool
    ) -> AIMessage:
        if not stream:
            return llm.invoke(messages)
        merged: Any = None
        for chunk in llm.stream(messages):
            merged = chunk if merged is None else merged + chunk
        assert isinstance(merged, AIMessage)
        return merged

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        llm = self._fresh(include_thoughts=True, thinking_budget=1024)
        return self._call(llm, [HumanMessage("Why is the sky blue?")], stream=stream)

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        # Gemini's implicit cache: the second request sharing a long prefix reads it.
        llm = self._fresh()
        prompt = [("system", _LONG_PREFIX), ("human", "Say hi.")]
        llm.invoke(prompt)
        return self._call(llm, prompt, stream=stream)


class TestOpenAIRouteIntegration(TestNativeRouteIntegration):
    transport: Literal["native", "openai"] = "openai"


# -- live: the AiHubMix gateway -------------------------------------------------------

_live = pytest.mark.skipif(
    not os.environ.get("AIHUBMIX_API_KEY"), reason="needs AIHUBMIX_API_KEY"
)


@_live
@pytest.mark.live
class TestNativeRouteLive(TestNativeRouteIntegration):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-2.5-flash", "transport": self.transport}

    def test_anthropic_inputs(self, model: BaseChatModel) -> None:
        # Live, the gateway's answer decides (no expectation of failure here).
        ChatModelIntegrationTests.test_anthropic_inputs(self, model)


@_live
@pytest.mark.live
class TestOpenAIRouteLive(TestNativeRouteLive):
    transport: Literal["native", "openai"] = "openai"
