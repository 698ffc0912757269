"""Base64 fields validated ahead on the event loop (`encoding.avalidated`), then
trusted by identity (`prevalidated`): same results as validating in place."""

from __future__ import annotations

import asyncio
import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.encoding import (
    _CHECK_CHARS,
    avalidated,
    canonical_base64,
    prevalidated,
)
from tests.unit_tests.loop_ticks import ticks_during


def test_only_canonical_texts_are_known_ahead() -> None:
    raw = os.urandom(3000)
    canonical = base64.b64encode(raw).decode()
    others = [
        base64.urlsafe_b64encode(raw + b"\xfb\xff").decode(),  # URL-safe alphabet
        canonical[:100] + "\n" + canonical[100:],  # a line break
        canonical.rstrip("=") + "A",  # bad length
        canonical[:-1] + "!",  # not base64
        "é" + canonical,  # not ASCII
        "QQ==QQ==",  # padding inside
    ]
    known = asyncio.run(avalidated([canonical, *others]))
    assert known == {id(canonical): canonical}


@given(st.binary(max_size=200), st.sampled_from(["std", "url", "nopad", "wrapped"]))
def test_trusted_texts_give_what_validation_gives(data: bytes, form: str) -> None:
    text = {
        "std": base64.b64encode(data).decode(),
        "url": base64.urlsafe_b64encode(data).decode(),
        "nopad": base64.b64encode(data).decode().rstrip("="),
        "wrapped": "\n".join(base64.encodebytes(data).decode().split()),
    }[form]
    expected = canonical_base64(text)
    with prevalidated(asyncio.run(avalidated([text]))):
        assert canonical_base64(text) == expected
        assert base64.b64decode(canonical_base64(text), validate=True) == data


def test_bad_texts_still_raise_inside_the_block() -> None:
    bad = base64.b64encode(os.urandom(3 * _CHECK_CHARS)).decode()[:-4] + "!!!!"
    with prevalidated(asyncio.run(avalidated([bad]))), pytest.raises(InvalidInputError):
        canonical_base64(bad)


def test_validation_ahead_lets_the_loop_run() -> None:
    text = base64.b64encode(os.urandom(3 * _CHECK_CHARS)).decode()
    known, ticks = asyncio.run(ticks_during(avalidated([text])))
    assert known == {id(text): text}
    assert ticks >= 3  # one slice at a time, the ticker in between
