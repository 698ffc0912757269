"""Configuration mistakes: a misspelt field or option gets the nearest name, and an
out-of-range sampling or length value a typed error, at construction and per call,
on both routes, before any request is sent."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_aihubmix._options.resolve import (
    OutOfRangeError,
    UnknownOptionError,
    _field_check,
)
from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES, arun, make_llm, turns

TYPOS = [
    ("temprature", "temperature"),
    ("max_token", "max_tokens"),
    ("top_kk", "top_k"),
    ("thinking_budjet", "thinking_budget"),
    ("include_thought", "include_thoughts"),
    ("baseurl", "base_url"),
    ("api_keys", "api_key"),
]

OUT_OF_RANGE: list[tuple[str, Any, str]] = [
    ("temperature", 2.5, "between 0 and 2"),
    ("temperature", -0.1, "between 0 and 2"),
    ("temperature", float("nan"), "between 0 and 2"),
    ("top_p", 1.2, "between 0 and 1"),
    ("top_p", -0.5, "between 0 and 1"),
    ("top_k", -1, ">= 0"),
    ("max_output_tokens", 0, ">= 1"),
    ("max_tokens", -100, ">= 1"),
    ("n", 0, ">= 1"),
    ("presence_penalty", 2.5, "between -2 and 2"),
    ("frequency_penalty", -3.0, "between -2 and 2"),
    ("thinking_budget", -2, "-1 \\(dynamic\\), 0 \\(off\\) or positive"),
]
WRONG_TYPE: list[tuple[str, Any]] = [
    ("temperature", "hot"),
    ("top_k", 2.5),
    ("n", True),
]
IN_RANGE: dict[str, Any] = {
    "temperature": 2.0,
    "top_p": 0.0,
    "top_k": 0,
    "max_output_tokens": 1,
    "n": 1,
    "presence_penalty": -2.0,
    "frequency_penalty": 2.0,
    "thinking_budget": -1,
}

ENTRIES = ["invoke", "stream", "batch", "ainvoke", "astream"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("typo", "meant"), TYPOS)
def test_unknown_field_suggests_the_nearest(
    hub: AiHubMixEmulator, route: str, typo: str, meant: str
) -> None:
    secret = "do-not-echo-this-value"
    with pytest.raises(UnknownOptionError) as info:
        make_llm(hub, route, **{typo: secret})
    text = str(info.value)
    assert f"Unknown field {typo!r}" in text
    assert f"Did you mean {meant!r}?" in text
    assert secret not in text and hub.api_key not in text
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_unknown_field_without_a_near_name(hub: AiHubMixEmulator) -> None:
    with pytest.raises(UnknownOptionError) as info:
        make_llm(hub, "native", zzqx=1)
    assert "Did you mean" not in str(info.value)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
async def test_unknown_call_option_suggests_the_nearest(
    hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    llm = make_llm(hub, route)
    with pytest.raises(UnknownOptionError, match="Did you mean 'temperature'") as info:
        await arun(llm, entry, "hi", temprature=0.3)
    assert "ls_structured_output_format" not in str(info.value)
    assert hub.requests == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("name", "value", "says"), OUT_OF_RANGE)
def test_out_of_range_at_construction(
    hub: AiHubMixEmulator, route: str, name: str, value: Any, says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says) as info:
        make_llm(hub, route, **{name: value})
    text = str(info.value)
    assert text.startswith(name.replace("max_tokens", "max_output_tokens"))
    # The construction error is the package's own, not pydantic's (whose text
    # repeats the whole input, key included).
    assert hub.api_key not in text and "input_value" not in text
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert hub.requests == []


@pytest.mark.parametrize(
    ("name", "value", "says", "route", "entry"), turns(OUT_OF_RANGE, ROUTES, ENTRIES)
)
async def test_out_of_range_per_call(
    hub: AiHubMixEmulator, route: str, entry: str, name: str, value: Any, says: str
) -> None:
    """Each value once; routes and entry points take turns (one check for all;
    every entry point's path to it: test_unknown_call_option_suggests_the_nearest)."""
    llm = make_llm(hub, route)
    with pytest.raises(InvalidInputError, match=says):
        await arun(llm, entry, "hi", **{name: value})
    assert hub.requests == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("name", "value"), WRONG_TYPE)
def test_wrong_type_per_call(
    hub: AiHubMixEmulator, route: str, name: str, value: Any
) -> None:
    with pytest.raises(OutOfRangeError, match=name):
        make_llm(hub, route).invoke("hi", **{name: value})
    assert hub.requests == []


NOT_OF_ITS_TYPE: list[tuple[str, Any, str]] = [
    ("seed", "x", "seed: Input should be a valid integer"),
    ("seed", 1.5, "seed: Input should be a valid integer"),
    ("stop", 3, "stop: Input should be a valid list"),
    ("stop", ["END", 1], "stop\\[1\\]: Input should be a valid string"),
    ("response_schema", "str", "response_schema: Input should be a valid dict"),
    ("safety_settings", [1], "safety_settings\\[0\\]: Input should be a valid dict"),
    ("include_thoughts", "maybe", "include_thoughts: Input should be a valid bool"),
    ("thinking_budget", "x", "thinking_budget: Input should be a valid integer"),
    ("cached_content", 3, "cached_content: Input should be a valid string"),
    ("image_config", 3, "image_config: Input should be a valid dict"),
    ("extra_body", 3, "extra_body: Input should be a valid dict"),
    ("timeout", "x", "timeout: Input should be a valid number"),
    ("timeout", 0, "timeout: Input should be greater than 0"),
    ("timeout", float("nan"), "timeout: Input should be a finite number"),
]


@pytest.mark.parametrize(
    ("name", "value", "says", "route", "entry"), turns(NOT_OF_ITS_TYPE, ROUTES, ENTRIES)
)
async def test_a_call_option_not_of_its_type_is_refused_before_sending(
    hub: AiHubMixEmulator, route: str, entry: str, name: str, value: Any, says: str
) -> None:
    """Checked by the constructor field's own type (not a raw TypeError, nor the
    SDK's pydantic error, nor sent as given on /v1)."""
    with pytest.raises(InvalidInputError, match=says) as info:
        await arun(make_llm(hub, route), entry, "hi", **{name: value})
    assert type(info.value) is InvalidInputError and info.value.__cause__ is None
    assert hub.requests == []


NOT_A_MODEL_ID = [
    "google/gemini-2.5-flash",  # another router's form: a wrong path on native
    " gemini-2.5-flash",
    "gemini-2.5-flash\n",  # httpx's InvalidURL on native
    "",  # the SDK's bare ValueError on native, sent as given on /v1
    "gemini-2.5-flash:generateContent",
    "gemini-2.5-flash?alt=sse",
]


@pytest.mark.parametrize(
    ("model", "route", "entry"), turns(NOT_A_MODEL_ID, ROUTES, ENTRIES)
)
async def test_a_model_id_that_cannot_be_one_is_refused_before_sending(
    hub: AiHubMixEmulator, model: str, route: str, entry: str
) -> None:
    with pytest.raises(InvalidInputError, match="is no model id") as info:
        make_llm(hub, route, model=model)
    assert info.value.__cause__ is None
    with pytest.raises(InvalidInputError, match="is no model id"):
        await arun(make_llm(hub, route), entry, "hi", model=model)
    assert hub.requests == []


@pytest.mark.parametrize(("entry", "route"), turns(ENTRIES, ROUTES))
async def test_googles_resource_form_of_a_model_id_is_sent_as_the_id(
    hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    """`models/gemini-2.5-flash` (google-genai's form) reaches /v1 as the id too."""
    for llm, kwargs in (
        (make_llm(hub, route, model="models/gemini-2.5-flash"), {}),
        (make_llm(hub, route), {"model": "models/gemini-2.5-flash"}),
    ):
        assert (await arun(llm, entry, "hi", **kwargs)).text
    for r in hub.requests:
        sent = r.body["model"] if route == "openai" else r.path.split("/")[-1]
        assert sent.split(":")[0] == "gemini-2.5-flash", r.path


@pytest.mark.filterwarnings("error")  # (pydantic warns of a misused alias)
@pytest.mark.parametrize("route", ROUTES)
def test_a_call_option_is_coerced_as_the_constructor_does(
    hub: AiHubMixEmulator, route: str
) -> None:
    _field_check.cache_clear()
    make_llm(hub, route).invoke("hi", seed="7", model="gemini-2.5-flash")
    body = hub.requests[0].body
    assert (
        body["generationConfig"]["seed"] if route == "native" else body["seed"]
    ) == 7


@pytest.mark.parametrize("route", ROUTES)
def test_bounds_themselves_are_accepted(hub: AiHubMixEmulator, route: str) -> None:
    """The limits are inclusive; each in-range value reaches the wire."""
    for name, value in IN_RANGE.items():
        # Gemini 2.5 refuses penalties (400), whatever their value.
        penalty = name.endswith("_penalty")
        model = "gemini-3-flash-preview" if penalty else "gemini-2.5-flash"
        make_llm(hub, route, model=model, **{name: value}).invoke("hi")
        make_llm(hub, route, model=model).invoke("hi", **{name: value})
    assert len(hub.requests) == 2 * len(IN_RANGE)


PEER_NAMES = [
    ("model_kwargs", "Did you mean 'extra_body'?"),
    ("request_timeout", "Did you mean 'timeout'?"),
    ("google_api_key", "Did you mean 'api_key'?"),
    ("openai_api_key", "Did you mean 'api_key'?"),
    ("openai_api_base", "Did you mean 'base_url'?"),
    ("stream_usage", "Usage is always on."),
]


@pytest.mark.parametrize(("peer", "says"), PEER_NAMES)
def test_the_peers_field_names_get_ours(
    hub: AiHubMixEmulator, peer: str, says: str
) -> None:
    # ChatOpenAI's / ChatGoogleGenerativeAI's names, as a user coming from them
    # writes them (model_kwargs was "Did you mean 'model_name'?")
    with pytest.raises(UnknownOptionError) as info:
        make_llm(hub, None, **{peer: "x"})
    assert says in str(info.value)


@pytest.mark.parametrize("name", ["api_key", "base_url", "openai_api_key"])
async def test_a_constructor_setting_per_call_says_where_it_goes(
    hub: AiHubMixEmulator, name: str
) -> None:
    field = name.removeprefix("openai_")
    llm = make_llm(hub, "native")
    with pytest.raises(UnknownOptionError) as info:
        await arun(llm, "astream", "hi", **{name: "x"})
    text = str(info.value)
    assert f"Set {field} on the constructor: ChatAiHubMixGemini({field}=" in text
    assert "Known options" not in text
    assert hub.requests == []


@pytest.mark.parametrize("route", ROUTES)
def test_a_lone_stop_string_is_one_stop_sequence(
    hub: AiHubMixEmulator, route: str
) -> None:
    # as ChatOpenAI takes it; per call it was split into 'E', 'N', 'D'
    make_llm(hub, route, stop="END").invoke("hi")
    make_llm(hub, route).invoke("hi", stop="END")  # type: ignore[arg-type]
    for request in hub.requests:
        body = request.body
        sent = (
            body["generationConfig"]["stopSequences"]
            if route == "native"
            else body["stop"]
        )
        assert sent == ["END"]


def test_a_base_url_without_a_scheme_is_refused_at_construction(
    hub: AiHubMixEmulator,
) -> None:
    with pytest.raises(InvalidInputError, match="must start with https://") as info:
        make_llm(hub, None, base_url="aihubmix.com")
    assert hub.api_key not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
