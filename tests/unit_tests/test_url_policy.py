"""The media URL policy: which addresses are refused, resolution, pinning."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.url_policy import acheck_url, check_url, refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata services
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def _resolver(table: dict[str, list[str]], calls: list[str]) -> Any:
    def getaddrinfo(host: str, port: int, *args: Any, **kw: Any) -> list[Any]:
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in table[host]
        ]

    return getaddrinfo


CHECKS = {"sync": check_url, "async": lambda url: asyncio.run(acheck_url(url))}


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A fake resolver (sync and the event loop's): a few public and private names."""
    calls: list[str] = []
    table = {
        "media.example": ["93.184.216.34"],
        "v6.example": ["2606:4700::1111"],
        "internal.example": ["10.0.0.7"],
        "mixed.example": ["93.184.216.34", "192.168.0.2"],  # any private: refused
    }
    fake = _resolver(table, calls)
    monkeypatch.setattr(socket, "getaddrinfo", fake)

    async def loop_getaddrinfo(self: Any, host: str, port: int, **kw: Any) -> Any:
        return fake(host, port)

    monkeypatch.setattr(
        asyncio.base_events.BaseEventLoop, "getaddrinfo", loop_getaddrinfo
    )
    return calls


@pytest.mark.parametrize("mode", CHECKS)
def test_public_host_is_pinned_to_its_checked_address(
    dns: list[str], mode: str
) -> None:
    target = CHECKS[mode]("https://media.example:8443/a/b.png?x=1")
    assert dns == ["media.example"]
    args = target.request_args()
    assert str(args["url"]) == "https://93.184.216.34:8443/a/b.png?x=1"
    assert args["headers"] == {"Host": "media.example:8443"}
    assert args["extensions"] == {"sni_hostname": "media.example"}
    v6 = CHECKS[mode]("http://v6.example/i.png").request_args()
    assert str(v6["url"]) == "http://[2606:4700::1111]/i.png"
    assert v6["extensions"] == {}


@pytest.mark.parametrize("mode", CHECKS)
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://internal.example/x.png", "internal.example is 10.0.0.7, a private"),
        ("http://mixed.example/x.png", "mixed.example is 192.168.0.2, a private"),
        ("http://127.0.0.1:9/x.png", "127.0.0.1 is 127.0.0.1, a loopback"),
        ("http://[::1]/x.png", "::1 is ::1, a loopback"),
        ("http://169.254.169.254/latest/meta-data", "a link-local address"),
    ],
)
def test_private_targets_are_refused(
    dns: list[str], mode: str, url: str, shown: str
) -> None:
    with pytest.raises(InvalidInputError, match=shown) as info:
        CHECKS[mode](url)
    assert url in str(info.value)
    assert "allow_private_media_urls=True" in str(info.value)


@pytest.mark.parametrize("mode", CHECKS)
def test_localhost_is_refused_by_its_real_resolution(mode: str) -> None:
    with pytest.raises(InvalidInputError, match=r"localhost is .*a loopback address"):
        CHECKS[mode]("http://localhost:8080/img.png")


@pytest.mark.parametrize("mode", CHECKS)
def test_unresolvable_host_is_a_typed_error(dns: list[str], mode: str) -> None:
    with pytest.raises(InvalidInputError, match="cannot resolve its host"):
        CHECKS[mode]("http://nowhere.example/x.png")
