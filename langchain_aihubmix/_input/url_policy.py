"""Media URL policy: downloads reach public addresses only, checked after DNS
resolution and pinned to the checked address (no rebinding, no redirect bypass)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

from langchain_aihubmix._errors.base import InvalidInputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_HINT = (
    "media URLs are downloaded by this package, and by default only from public "
    "addresses; set allow_private_media_urls=True on the model to allow it"
)

_AddrInfo = list[tuple[Any, Any, Any, Any, Any]]
_REFUSED = "loopback link_local multicast unspecified reserved private site_local"


def refusal(address: IPAddress) -> str | None:
    """Why `address` is refused (e.g. "loopback"), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return refusal(address.ipv4_mapped)
    for kind in _REFUSED.split():
        if getattr(address, f"is_{kind}", False):
            return kind.replace("_", "-")
    if not address.is_global:
        return "non-public"
    return None


@dataclass(frozen=True)
class Target:
    """A checked URL: the address to connect to, and how to ask for the URL there."""

    url: str
    address: IPAddress

    def request_args(self) -> dict[str, Any]:
        """`client.stream("GET", **args)` arguments connecting to `address` only.

        The URL's host is replaced by the checked address; `Host` and TLS (SNI and
        certificate checks) still use the original host name.
        """
        original = httpx2.URL(self.url)
        pinned = original.copy_with(host=str(self.address))
        headers = {"Host": original.netloc.decode("ascii")}
        extensions = (
            {"sni_hostname": original.host} if original.scheme == "https" else {}
        )
        return {"url": pinned, "headers": headers, "extensions": extensions}


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        msg = f"media URL {url}: only http(s) URLs with a host can be downloaded"
        raise InvalidInputError(msg)
    return parts.hostname


def _literal(host: str) -> _AddrInfo | None:
    """An IP address written as the host, in `getaddrinfo`'s form; else None."""
    try:
        return [(0, 0, 0, "", (str(ipaddress.ip_address(host)), 0))]
    except ValueError:
        return None


def _checked(url: str, host: str, infos: _AddrInfo, origin: str | None) -> Target:
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        msg = f"could not fetch media {url}: {host!r} has no address"
        raise InvalidInputError(msg)
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            shown = url if origin in (None, url) else f"{origin} redirects to {url},"
            msg = (
                f"media URL {shown} refused: {host} is {address}, a {reason} "
                f"address; {ALLOW_HINT}"
            )
            raise InvalidInputError(msg)
    return Target(url, addresses[0])


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _unresolvable(url: str, exc: OSError) -> InvalidInputError:
    return InvalidInputError(
        f"could not fetch media {url}: cannot resolve its host ({exc})"
    )


def check_url(url: str, origin: str | None = None) -> Target:
    """The target (first address) of an http(s) URL whose host resolves to public
    addresses only; `origin`: the URL first asked for, when `url` is a redirect.
    Raises `InvalidInputError`: not http(s), unresolvable, or an address not public.
    """
    host = _host(url)
    try:
        infos = _literal(host) or socket.getaddrinfo(
            host, _port(url), type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise _unresolvable(url, exc) from exc
    return _checked(url, host, infos, origin)


async def acheck_url(url: str, origin: str | None = None) -> Target:
    """Async `check_url`: resolves without blocking the event loop."""
    host, loop = _host(url), asyncio.get_running_loop()
    try:
        infos = _literal(host) or await loop.getaddrinfo(
            host, _port(url), type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise _unresolvable(url, exc) from exc
    return _checked(url, host, infos, origin)
