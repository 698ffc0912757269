"""Media URLs in the input are fetched by the package: by default never from a
private, loopback or link-local address, even by a name, a redirect or DNS
rebinding; a raw server there must see no request at all."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._input import url_policy as _url_policy
from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import RawServer, Request, raw_server, response

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
ROUTES = ("native", "openai")


async def _adrain(llm: Any, arg: Any) -> list[Any]:
    return [chunk async for chunk in llm.astream(arg)]


ENTRIES: dict[str, Callable[[Any, Any], Any]] = {
    "invoke": lambda llm, arg: llm.invoke(arg),
    "stream": lambda llm, arg: list(llm.stream(arg)),
    "ainvoke": lambda llm, arg: asyncio.run(llm.ainvoke(arg)),
    "astream": lambda llm, arg: asyncio.run(_adrain(llm, arg)),
}


def _llm(hub: AiHubMixEmulator, route: str, **kw: Any) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(
        model="gemini-2.5-flash",
        base_url=hub.base_url,
        api_key=hub.api_key,
        transport=route,  # type: ignore[arg-type]
        max_retries=0,
        media_fetch_timeout=5,
        **kw,
    )


def _with_image(url: str) -> list[HumanMessage]:
    return [
        HumanMessage(
            [{"type": "text", "text": "describe"}, {"type": "image", "url": url}]
        )
    ]


def _sent_image(hub: AiHubMixEmulator, route: str) -> bytes:
    body = hub.requests[-1].body
    if route == "native":
        parts = body["contents"][-1]["parts"]
        return base64.b64decode(
            next(p for p in parts if "inlineData" in p)["inlineData"]["data"]
        )
    content = body["messages"][-1]["content"]
    url = next(b for b in content if b.get("type") == "image_url")["image_url"]["url"]
    return base64.b64decode(url.split(",", 1)[1])


@pytest.fixture
def media() -> Iterator[RawServer]:
    """A raw media server on 127.0.0.1 (the address a policy must refuse)."""

    def handler(request: Request, conn: socket.socket) -> None:
        path = request.path
        if path == "/img.png":
            conn.sendall(response(200, PNG, content_type="image/png"))
        elif path.startswith("/go?to="):
            location = path.split("=", 1)[1]
            conn.sendall(response(302, headers={"Location": location}))
        else:
            conn.sendall(response(404, "no"))

    with raw_server(handler) as srv:
        yield srv


@pytest.fixture
def private_listener() -> Iterator[socket.socket]:
    """A socket on 127.0.0.2: any connection attempt to it waits in its backlog."""
    sock = socket.create_server(("127.0.0.2", 0))
    sock.settimeout(0.2)
    try:
        yield sock
    finally:
        sock.close()


def _never_contacted(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return True
    conn.close()
    return False


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_loopback_media_url_is_refused_and_never_fetched(
    hub: AiHubMixEmulator, media: RawServer, route: str, entry: str
) -> None:
    url = f"{media.base_url}/img.png"
    with pytest.raises(InvalidInputError, match="a loopback address") as info:
        ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert url in str(info.value)
    assert "allow_private_media_urls=True" in str(info.value)
    assert media.requests == []
    assert hub.requests == []


@pytest.mark.parametrize("entry", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_name_that_resolves_to_loopback_is_refused(
    hub: AiHubMixEmulator, media: RawServer, route: str, entry: str
) -> None:
    url = f"http://localhost:{media.port}/img.png"
    with pytest.raises(InvalidInputError, match=r"localhost is .*a loopback address"):
        ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert media.requests == []
    assert hub.requests == []


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_opting_in_fetches_from_loopback(
    hub: AiHubMixEmulator, media: RawServer, route: str, entry: str
) -> None:
    llm = _llm(hub, route, allow_private_media_urls=True)
    ENTRIES[entry](llm, _with_image(f"{media.base_url}/go?to=/img.png"))
    assert [r.path for r in media.requests] == ["/go?to=/img.png", "/img.png"]
    assert _sent_image(hub, route) == PNG


@pytest.fixture
def public_loopback(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Simulate a public host: `public.example` resolves to 127.0.0.1 (then, if
    asked again, to 127.0.0.2), and 127.0.0.1 alone passes the policy."""
    lookups: list[str] = []
    real_refusal = _url_policy.refusal
    real_getaddrinfo = socket.getaddrinfo

    def refusal(address: Any) -> str | None:
        return None if str(address) == "127.0.0.1" else real_refusal(address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host != "public.example":
            return real_getaddrinfo(host, port, *args, **kw)
        address = "127.0.0.1" if not lookups else "127.0.0.2"  # rebinding
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    async def loop_getaddrinfo(self: Any, host: Any, port: Any, **kw: Any) -> Any:
        return getaddrinfo(host, port, **kw)

    monkeypatch.setattr(_url_policy, "refusal", refusal)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(
        asyncio.base_events.BaseEventLoop, "getaddrinfo", loop_getaddrinfo
    )
    return lookups


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_redirect_from_a_public_host_to_a_private_one_is_refused(
    hub: AiHubMixEmulator,
    media: RawServer,
    private_listener: socket.socket,
    public_loopback: list[str],
    route: str,
    entry: str,
) -> None:
    private = f"http://127.0.0.2:{private_listener.getsockname()[1]}/img.png"
    url = f"http://public.example:{media.port}/go?to={private}"
    with pytest.raises(
        InvalidInputError, match=r"redirects to .*127\.0\.0\.2, a loopback"
    ) as info:
        ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert url in str(info.value)
    assert [r.path for r in media.requests] == [f"/go?to={private}"]
    assert _never_contacted(private_listener)
    assert hub.requests == []


@pytest.mark.parametrize("entry", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ROUTES)
def test_download_connects_to_the_checked_address_only(
    hub: AiHubMixEmulator,
    media: RawServer,
    private_listener: socket.socket,
    public_loopback: list[str],
    route: str,
    entry: str,
) -> None:
    """DNS rebinding: the name is resolved once and checked, and the connection
    goes to that address with the original Host (a second lookup would now give
    127.0.0.2)."""
    url = f"http://public.example:{media.port}/img.png"
    ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert public_loopback == ["127.0.0.1"]
    assert [r.path for r in media.requests] == ["/img.png"]
    assert media.requests[0].headers["host"] == f"public.example:{media.port}"
    assert _never_contacted(private_listener)
    assert _sent_image(hub, route) == PNG


@pytest.mark.parametrize("entry", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ROUTES)
def test_redirects_between_allowed_hosts_are_followed(
    hub: AiHubMixEmulator,
    media: RawServer,
    public_loopback: list[str],
    route: str,
    entry: str,
) -> None:
    url = f"http://127.0.0.1:{media.port}/go?to=/img.png"
    ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert [r.path for r in media.requests] == ["/go?to=/img.png", "/img.png"]
    assert _sent_image(hub, route) == PNG


@pytest.mark.parametrize("entry", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ROUTES)
def test_endless_redirects_are_a_typed_error(
    hub: AiHubMixEmulator,
    media: RawServer,
    public_loopback: list[str],
    route: str,
    entry: str,
) -> None:
    url = f"http://127.0.0.1:{media.port}/go?to=/go?to=/go?to=/go?to=/go?to=/go?to=/x"
    with pytest.raises(InvalidInputError, match="more than 5 redirects"):
        ENTRIES[entry](_llm(hub, route), _with_image(url))
    assert len(media.requests) == 6
    assert hub.requests == []
