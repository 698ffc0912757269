"""The emulator itself under load: 200 concurrent requests, no errors."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from langchain_aihubmix.testing import AiHubMixEmulator

N = 200
"""Concurrent requests: far past a default listen backlog (5), half on each route."""


@pytest.mark.timeout(60)
async def test_emulator_serves_200_concurrent_requests(hub: AiHubMixEmulator) -> None:
    limits = httpx.Limits(max_connections=N, max_keepalive_connections=N)
    async with httpx.AsyncClient(
        base_url=hub.base_url, limits=limits, timeout=30
    ) as client:

        async def native(i: int) -> int:
            r = await client.post(
                "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
                headers={"x-goog-api-key": hub.api_key},
                json={"contents": [{"role": "user", "parts": [{"text": f"q{i}"}]}]},
            )
            assert r.json()["candidates"][0]["content"]["parts"][0]["text"]
            return r.status_code

        async def openai(i: int) -> int:
            r = await client.post(
                "/v1/chat/completions",
                headers={"authorization": f"Bearer {hub.api_key}"},
                json={
                    "model": "gemini-2.5-flash",
                    "messages": [{"role": "user", "content": f"q{i}"}],
                },
            )
            assert r.json()["choices"][0]["message"]["content"]
            return r.status_code

        codes = await asyncio.gather(
            *(native(i) if i % 2 else openai(i) for i in range(N))
        )
    assert codes == [200] * N
    assert len(hub.requests) == N
