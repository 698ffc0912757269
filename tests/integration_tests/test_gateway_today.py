"""Today's gateway over HTTP, both routes: strict model ids, model rules, caching.

Each model rule is shown twice: the emulator (like the gateway) rejects the raw
request, and the package rejects or adjusts the call before anything is sent.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelNotFoundError
from langchain_core.messages import AIMessage, HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.model_rules import ModelRuleWarning
from langchain_aihubmix.profiles import profile_for
from langchain_aihubmix.testing import AiHubMixEmulator
from tests import support
from tests.support import ENTRIES, MakeLLM, run

ENTRY_POINTS = ENTRIES


@pytest.fixture(params=["native", "openai"])
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_llm(make_llm: MakeLLM, route: str) -> MakeLLM:
    return partial(make_llm, route, max_retries=0)


def raw(hub: AiHubMixEmulator, route: str, model: str, **extra: Any) -> httpx.Response:
    """One raw request to the emulator (no package code in between)."""
    turns = extra.pop("turns", [("user", "hello")])
    if route == "native":
        body: dict[str, Any] = {
            "contents": [{"role": r, "parts": [{"text": t}]} for r, t in turns],
            **extra,
        }
        return httpx.post(
            f"{hub.base_url}/gemini/v1beta/models/{model}:generateContent",
            headers={"x-goog-api-key": hub.api_key},
            json=body,
        )
    roles = {"user": "user", "model": "assistant"}
    body = {
        "model": model,
        "messages": [{"role": roles[r], "content": t} for r, t in turns],
        **extra,
    }
    return httpx.post(
        f"{hub.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {hub.api_key}"},
        json=body,
    )


@pytest.fixture
def no_rule_warnings() -> Iterator[None]:
    from langchain_aihubmix._errors.warn import WARNED

    WARNED.clear()
    yield
    WARNED.clear()


# -- item 6: unknown ids get the gateway's 404; extra ids can be registered ----


def test_unknown_model_is_a_404_on_the_wire(hub: AiHubMixEmulator, route: str) -> None:
    reply = raw(hub, route, "gemini-made-up")
    assert reply.status_code == 404
    error = reply.json()["error"]
    if route == "native":
        assert error["status"] == "NOT_FOUND"
        assert error["message"].startswith("models/gemini-made-up is not found")
    else:
        assert error["code"] == "model_not_found" and error["param"] == "model"
        assert "gemini-made-up" in error["message"]
    assert raw(hub, route, "gemini-2.5-flash").status_code == 200


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_unknown_model_raises_a_typed_not_found(make_llm: MakeLLM, entry: str) -> None:
    llm = make_llm(model="gemini-made-up")
    with pytest.raises(ModelNotFoundError, match="gemini-made-up"):
        run(llm, entry, "hello")


def test_registered_models_are_served_until_reset(
    hub: AiHubMixEmulator, make_llm: MakeLLM
) -> None:
    hub.add_model("gemini-4-flash-preview")
    assert "gemini-4-flash-preview" in hub.models
    reply = make_llm(model="gemini-4-flash-preview").invoke("hello")
    assert reply.text == "Echo: hello"
    ids = [
        m["model_id"] for m in httpx.get(hub.base_url + "/api/v1/models").json()["data"]
    ]
    assert "gemini-4-flash-preview" in ids
    hub.reset()
    assert "gemini-4-flash-preview" not in hub.models


def test_extra_models_survive_reset(route: str) -> None:
    with AiHubMixEmulator(extra_models=["my-tuned-gemini"]) as own:
        own.reset()
        llm = ChatAiHubMixGemini(
            model="my-tuned-gemini",
            base_url=own.base_url,
            api_key=own.api_key,
            transport=route,  # type: ignore[arg-type]
        )
        assert llm.invoke("hi").text == "Echo: hi"


# -- item 3: an unknown id works from day one ----------------------------------


def test_a_new_id_gets_its_family_rules() -> None:
    new_flash = profile_for("gemini-3.9-flash-preview")
    assert new_flash.requires_thought_signatures and not new_flash.can_disable_thinking
    assert profile_for("gemini-4-flash-image").image_output
    assert profile_for("gemini-3.7-flash-preview-12-2026").rejects_prefill
    assert profile_for("gemini-3.6-flash").max_output_tokens == 65_536
    assert profile_for("gemini-2.5-flash-image").max_input_tokens == 32_768
    assert profile_for("gemini-2.0-flash").retired


# -- item 4: model rules before anything is sent -------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_minimal_thinking_on_new_flash_is_refused_locally(
    hub: AiHubMixEmulator, make_llm: MakeLLM, route: str, entry: str
) -> None:
    extra = (
        {"generationConfig": {"thinkingConfig": {"thinkingLevel": "MINIMAL"}}}
        if route == "native"
        else {"reasoning_effort": "minimal"}
    )
    rejected = raw(hub, route, "gemini-3.7-flash", **extra)
    assert rejected.status_code == 400
    assert "MINIMAL is not supported" in rejected.text
    hub.reset()
    llm = make_llm(model="gemini-3.7-flash")
    with pytest.raises(InvalidInputError, match="'minimal' is not supported"):
        run(llm, entry, "hello", reasoning_effort="minimal")
    assert hub.requests == []
    assert run(llm, entry, "hello", reasoning_effort="low").text == "Echo: hello"


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("model", ["gemini-3.6-flash", "gemini-3.5-flash-lite"])
def test_a_prefilled_model_turn_is_refused_locally(
    hub: AiHubMixEmulator, make_llm: MakeLLM, route: str, entry: str, model: str
) -> None:
    turns = [("user", "hello"), ("model", "Sure, ")]
    assert raw(hub, route, model, turns=turns).status_code == 400
    hub.reset()
    history = [HumanMessage("hello"), AIMessage("Sure, ")]
    with pytest.raises(InvalidInputError, match="prefill"):
        run(make_llm(model=model), entry, history)
    assert hub.requests == []
    # models without the rule still take a prefilled turn
    assert run(make_llm(model="gemini-2.5-flash"), entry, history).text


def test_output_limit_is_checked_locally(
    hub: AiHubMixEmulator, make_llm: MakeLLM, route: str
) -> None:
    extra: dict[str, Any] = (
        {"generationConfig": {"maxOutputTokens": 70_000}}
        if route == "native"
        else {"max_tokens": 70_000}
    )
    over = raw(hub, route, "gemini-2.5-flash", **extra)
    assert over.status_code == 400 and "70000" in over.text
    hub.reset()
    llm = make_llm(model="gemini-2.5-flash", max_output_tokens=70_000)
    with pytest.raises(InvalidInputError, match="output limit of 65536"):
        llm.invoke("hello")
    assert hub.requests == []


@pytest.mark.usefixtures("no_rule_warnings")
def test_ignored_sampling_warns_once_and_is_not_sent(
    hub: AiHubMixEmulator, make_llm: MakeLLM, route: str
) -> None:
    llm = make_llm(model="gemini-3.6-flash", temperature=0.2, top_p=0.9)
    with pytest.warns(ModelRuleWarning, match="ignores temperature, top_p"):
        llm.invoke("hello")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelRuleWarning)
        llm.invoke("hello again")
    for request in hub.requests:
        sent = (
            request.body.get("generationConfig", {})
            if route == "native"
            else request.body
        )
        assert not {"temperature", "top_p", "topP"} & set(sent)
    # a model that honours sampling gets it
    make_llm(model="gemini-2.5-flash", temperature=0.2).invoke("hello")
    last = hub.requests[-1].body
    sent = last.get("generationConfig", {}) if route == "native" else last
    assert sent["temperature"] == 0.2


@pytest.mark.usefixtures("no_rule_warnings")
def test_thinking_budget_is_not_sent_to_level_only_models(
    hub: AiHubMixEmulator,
) -> None:
    llm = support.make_llm(
        hub,
        model="gemini-3.7-flash",
        transport="native",
        thinking_budget=512,
    )
    with pytest.warns(ModelRuleWarning, match="thinking_budget is not sent"):
        llm.invoke("hello")
    config = hub.requests[-1].body.get("generationConfig", {})
    assert "thinkingBudget" not in config.get("thinkingConfig", {})


def test_image_models_are_refused_on_the_openai_route(hub: AiHubMixEmulator) -> None:
    with pytest.raises(ValueError, match="native route"):  # a ValidationError
        support.make_llm(
            hub,
            model="gemini-3.1-flash-image-preview",
            transport="openai",
        )
    default = ChatAiHubMixGemini(
        model="gemini-3.1-flash-image-preview", base_url=hub.base_url, api_key="k"
    )
    with pytest.raises(ValueError, match="native route"):  # per call, too
        default.invoke("a kite", model="gemini-3.1-flash-image-preview-search")


@pytest.mark.usefixtures("no_rule_warnings")
def test_retired_models_warn_once(make_llm: MakeLLM) -> None:
    llm = make_llm(model="gemini-2.0-flash")
    with pytest.warns(ModelRuleWarning, match="retired"):
        llm.invoke("hello")


@pytest.mark.usefixtures("no_rule_warnings")
@pytest.mark.parametrize("entry", ["invoke", "stream"])
def test_a_warning_points_at_the_users_line(make_llm: MakeLLM, entry: str) -> None:
    llm = make_llm(model="gemini-2.0-flash")
    with pytest.warns(ModelRuleWarning, match="retired") as caught:
        list(llm.stream("hello")) if entry == "stream" else llm.invoke("hello")
    (warning,) = caught.list
    assert (warning.filename, warning.lineno) == (__file__, _line_of("list(llm."))


def _line_of(text: str) -> int:
    """The line of this file that holds `text` (where the call is made)."""
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(text))


# -- item 7: implicit caching by token prefix ----------------------------------


LONG_TEXT = "The committee reviewed every clause of the shared contract. " * 40


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_one_long_text_and_a_changing_question_hits_the_cache(
    make_llm: MakeLLM, entry: str
) -> None:
    llm = make_llm(model="gemini-2.5-flash")
    first = run(llm, entry, LONG_TEXT + "Question: who signed it?")
    second = run(llm, entry, LONG_TEXT + "Question: and when does it end?")
    assert first.usage_metadata is not None and second.usage_metadata is not None
    assert "input_token_details" not in first.usage_metadata or not (
        first.usage_metadata["input_token_details"].get("cache_read")
    )
    cached = second.usage_metadata["input_token_details"]["cache_read"]
    # the shared prefix is the long text (plus "Question: "), a token per 4 chars
    shared = len(LONG_TEXT + "Question: ")
    assert shared // 4 - 8 <= cached <= shared // 4
    assert cached < second.usage_metadata["input_tokens"]
    cost = second.response_metadata.get("cost")
    assert cost is not None and cost["saved_by_cache"] > 0


def test_a_different_text_does_not_hit(make_llm: MakeLLM) -> None:
    llm = make_llm(model="gemini-2.5-flash")
    llm.invoke(LONG_TEXT + "one")
    other = llm.invoke("Something else entirely. " * 40)
    assert other.usage_metadata is not None
    assert not (other.usage_metadata.get("input_token_details") or {}).get("cache_read")


def test_live_prices_price_a_call_from_the_gateway_catalogue(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    from langchain_aihubmix.catalog import clear_catalog_cache, live_prices

    clear_catalog_cache()
    llm = make_llm(model="gemini-3.6-flash", prices=live_prices(hub.base_url))
    cost = llm.invoke("hello").response_metadata["cost"]
    assert cost["price_source"] == "catalog"
    assert any(r.path == "/api/v1/models" for r in hub.requests)
    clear_catalog_cache()


@pytest.mark.usefixtures("no_rule_warnings")
def test_text_over_the_input_limit_warns_before_sending(make_llm: MakeLLM) -> None:
    llm = make_llm(model="gemini-2.5-flash")
    with pytest.warns(ModelRuleWarning, match="input limit of 1048576"):
        llm.invoke("word " * 900_000)
