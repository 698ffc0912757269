"""The API key never shows: repr, str, dumps, pickle, logs, errors, LangSmith params."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest
from langchain_core.exceptions import ModelError
from langchain_core.load import dumpd, dumps

from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES, make_llm

LOGGERS = (
    "httpx",
    "httpcore",
    "httpx2",
    "openai",
    "google_genai",
    "langchain",
    "langchain_core",
    "langchain_aihubmix",
    "",
)


def _everything(obj: object) -> str:
    return " ".join([repr(obj), str(obj)])


@pytest.mark.parametrize("route", ROUTES)
def test_key_never_leaks(
    hub: AiHubMixEmulator, route: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = hub.api_key
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    llm = make_llm(hub, route)
    llm.invoke("hi")  # builds the clients, which hold the key
    list(llm.stream("hi"))
    assert key not in _everything(llm)
    assert key not in dumps(llm) and key not in str(dumpd(llm))
    assert key not in str(llm._get_ls_params())
    assert key not in str(llm._identifying_params)
    # the server echoes the key back in an error
    hub.queue(
        error=(
            401,
            {"error": {"message": f"bad key {key}", "type": "Aihubmix_api_error"}},
        )
    )
    with pytest.raises(ModelError) as info:
        llm.invoke("hi")
    err = info.value
    assert key not in _everything(err)
    assert key not in str(getattr(err, "body", ""))
    assert key not in str(getattr(err, "message", ""))
    assert key.encode() not in pickle.dumps(err)
    assert key not in "".join(traceback.format_exception(err))
    records = " ".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records
    )
    assert records, "logging was captured"
    assert key not in records


@pytest.mark.parametrize("route", ROUTES)
def test_key_not_in_pickled_model(hub: AiHubMixEmulator, route: str) -> None:
    llm = make_llm(hub, route)
    llm.invoke("hi")
    assert hub.api_key.encode() not in pickle.dumps(llm)
