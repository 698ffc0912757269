"""The doctor, offline (the emulator): its table, its verdicts, its transcript."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
import yaml

from langchain_aihubmix._doctor.gateway import free_model
from langchain_aihubmix._doctor.wire import Wire
from langchain_aihubmix._native.response import NativeStreamState
from langchain_aihubmix.doctor import LIVE_COST_NOTE, main, run_doctor
from langchain_aihubmix.profiles import base_model
from langchain_aihubmix.snapshot import SNAPSHOT
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import KEY, Request, raw_server, response
from tests.support import closed_port
from tests.unit_tests.recorded import parse_response, sse_events

QUESTIONS = [
    "Native API version",
    "Native auth header",
    "Thoughts on native",
    "Thoughts on /v1",
    "/v1 extra_content signatures",
    "/v1 tools without tool_choice",
    "/v1 tool schemas",
    "Bad key, native",
    "Bad key, /v1",
    "Bad model, native",
    "Bad model, /v1",
    "Errors inside 200",
    "SSE framing",
    "Implicit cache hit reporting",
    "countTokens and cachedContents",
    "Image output, native",
    "Image output, /v1",
    "Speech output, native",
    "Speech output, /v1",
    "/v1 web_search_options",
    "/v1 reasoning.max_tokens",
    "/v1 safety settings",
    "Files API upload",
    "Model catalogue",
    "Embeddings",
    "Mirror domains",
    "Billing endpoints",
    "Free model",
]


def test_the_table_answers_every_question_from_the_wire(
    hub: AiHubMixEmulator,
) -> None:
    findings, wire = run_doctor(hub.base_url, hub.api_key)
    by_question = {f.question: f for f in findings}
    assert sorted(by_question) == sorted(QUESTIONS)
    assert all(f.handled is not False for f in findings)
    # each answer is what the emulator really did
    assert by_question["Native API version"].seen == "v1beta: 200, v1: 404"
    assert by_question["Thoughts on /v1"].seen == "reasoning_content"
    assert by_question["/v1 tools without tool_choice"].seen == "400 (rejected)"
    assert by_question["/v1 tool schemas"].seen == "400 (Gemini's Schema)"
    assert by_question["Bad model, native"].seen.startswith("404 google.rpc.Status")
    assert "not_found" in by_question["Bad model, /v1"].seen
    assert "authentication" in by_question["Bad key, native"].seen
    assert by_question["countTokens and cachedContents"].seen == (
        "countTokens: 404, cachedContents: 404"
    )
    assert by_question["Image output, /v1"].seen == "no image"
    assert "cached tokens" in by_question["Implicit cache hit reporting"].seen
    known = {m.id for m in SNAPSHOT}
    new = [m for m in hub.models if base_model(m) not in known]  # the TTS models
    seen = f"not in the snapshot: {', '.join(new) or 'none'}"
    assert seen in by_question["Model catalogue"].seen
    assert by_question["Embeddings"].seen == (
        "/v1/embeddings: 200; task_type: ignored (200); native embedContent: 404"
    )
    seen = {q: f.seen for q, f in by_question.items()}
    assert seen["Speech output, native"] == "audio: audio/L16;codec=pcm;rate=24000"
    assert seen["Speech output, /v1"] == "audio: no (400)"
    assert seen["/v1 web_search_options"] == "3 url_citation(s)"
    assert seen["/v1 reasoning.max_tokens"] == "64 reasoning tokens"
    assert seen["/v1 safety settings"] == "200: dropped or overridden"
    assert by_question["/v1 safety settings"].handled is None  # not settled here
    assert seen["Files API upload"] == "404"
    assert len(hub.requests) == len(wire.exchanges)


def test_a_quirk_changes_the_answer(hub: AiHubMixEmulator) -> None:
    hub.openai_quirks.reasoning_field = "thought_tags"
    hub.openai_quirks.tool_schemas = "json_schema"
    findings, _ = run_doctor(hub.base_url, hub.api_key)
    seen = {f.question: f.seen for f in findings}
    assert seen["Thoughts on /v1"] == "inline <thought>/<think> tags"
    assert seen["/v1 tool schemas"] == "accepted (JSON Schema)"


@pytest.mark.parametrize("key", [None, " "], ids=["no-key", "blank-key"])
def test_offline_run_and_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    if key is None:
        monkeypatch.delenv("AIHUBMIX_API_KEY", raising=False)
    else:
        monkeypatch.setenv("AIHUBMIX_API_KEY", key)
    out = io.StringIO()
    assert main(["--record", str(tmp_path)], out=out) == 0
    text = out.getvalue()
    assert text.startswith("[offline]")
    assert all(question in text for question in QUESTIONS)
    assert (tmp_path / "native").is_dir() and (tmp_path / "other").is_dir()


def test_live_mode_states_the_cost_first_and_records_no_key(
    hub: AiHubMixEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "live" against the emulator: the path a user's key takes, offline
    monkeypatch.setenv("AIHUBMIX_API_KEY", hub.api_key)
    out = io.StringIO()
    argv = ["--base-url", hub.base_url, "--record", str(tmp_path), "--yes"]
    assert main(argv, out=out) == 0
    first_line = out.getvalue().splitlines()[0]
    assert first_line.startswith("[live]") and LIVE_COST_NOTE in first_line
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == len(hub.requests)
    for path in files:
        assert hub.api_key not in path.read_text()
    # every native cassette replays through the package's response mapper
    replayed = 0
    for path in sorted((tmp_path / "native").glob("*.yaml")):
        (interaction,) = yaml.safe_load(path.read_text())["interactions"]
        response = interaction["response"]
        if "parsed_body" in response:
            events = [response["parsed_body"]]
        else:
            events = sse_events(response["body"]["string"])
        state = NativeStreamState("doctor")
        chunks = [
            state.feed(parse_response(e), last=i == len(events) - 1)
            for i, e in enumerate(events)
        ]
        message = chunks[0]
        for chunk in chunks[1:]:
            message = message + chunk
        assert message.content or "audio" in message.additional_kwargs
        assert message.usage_metadata
        replayed += 1
    assert replayed >= 5


def test_module_and_console_script_entry() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "langchain_aihubmix.doctor", "--help"],
        check=True,
        capture_output=True,
        text=True,
    )
    # readable: the options, examples kept on their own lines, what exits mean
    assert "--record DIR" in done.stdout and "--yes" in done.stdout
    assert "\n  aihubmix-doctor --yes " in done.stdout
    assert "exit status: 0 " in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 88
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert 'aihubmix-doctor = "langchain_aihubmix.doctor:main"' in pyproject


class _Terminal(io.StringIO):
    """A stdin that is a terminal, with the user's answer typed in."""

    def isatty(self) -> bool:
        return True


def _live(monkeypatch: pytest.MonkeyPatch, key: str) -> io.StringIO:
    monkeypatch.setenv("AIHUBMIX_API_KEY", key)
    return io.StringIO()


def test_a_rejected_key_is_said_in_one_line_before_anything_is_spent(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _live(monkeypatch, "sk-wrong-key-0123456789")
    assert main(["--base-url", hub.base_url, "--yes"], out=out) == 2
    assert out.getvalue().startswith("key rejected (401): check AIHUBMIX_API_KEY")
    assert len(out.getvalue().splitlines()) == 1
    assert "sk-wrong-key-0123456789" not in out.getvalue()
    assert [(r.method, r.path) for r in hub.requests] == [("GET", "/v1/models")]


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (
            "https://gateway.invalid",
            "cannot reach gateway.invalid: name not resolved "
            "(try the mirror https://api.inferera.com with --base-url",
        ),
        ("closed", "cannot reach 127.0.0.1: connection refused"),
        ("tls", "cannot reach 127.0.0.1: TLS failed"),
        ("silent", "cannot reach 127.0.0.1: no answer in time (try the mirror"),
    ],
    ids=["name-not-resolved", "refused", "tls", "timeout"],
)
def test_an_unreachable_gateway_is_said_in_one_line(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch, where: str, says: str
) -> None:
    out = _live(monkeypatch, hub.api_key)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base_url = {
            "closed": closed_port(),
            "tls": hub.base_url.replace("http://", "https://"),  # TLS to plain HTTP
            "silent": f"http://127.0.0.1:{silent.getsockname()[1]}",
        }.get(where, where)
        argv = ["--base-url", base_url, "--yes", "--timeout", "0.3"]
        assert main(argv, out=out) == 2
    assert out.getvalue().startswith(says), out.getvalue()
    assert len(out.getvalue().splitlines()) == 1
    assert hub.requests == []


@pytest.mark.parametrize("status", [200, 401, 403])
def test_a_proxy_page_is_no_gateway(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """A captive portal's or a firewall's HTML is neither "the key works" nor
    "key rejected", whatever its status."""
    out = _live(monkeypatch, KEY)
    page = "<html><body>Sign in to the proxy</body></html>"

    def portal(_request: Request, conn: socket.socket) -> None:
        conn.sendall(response(status, page, content_type="text/html"))

    with raw_server(portal) as proxy:
        assert main(["--base-url", proxy.base_url, "--yes"], out=out) == 2
    assert out.getvalue() == (
        f"127.0.0.1 answered {status} to GET /v1/models: {page} "
        "(is --base-url or AIHUBMIX_BASE_URL the gateway's root?)\n"
    )


def test_a_base_url_that_is_no_root_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _live(monkeypatch, KEY)
    with pytest.raises(SystemExit) as exited:
        main(["--base-url", "aihubmix.com"], out=out)
    assert exited.value.code == 2 and out.getvalue() == ""
    assert "base_url must start with https://" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("stdin", "code", "says"),
    [
        (io.StringIO(""), 2, "Not run: nothing was spent. Pass --yes to run it."),
        (_Terminal("n\n"), 2, "Run it? [y/N] Not run: nothing was spent."),
        (_Terminal("y\n"), 0, "Run it? [y/N] question"),
    ],
    ids=["not-a-terminal", "declined", "agreed"],
)
def test_the_cost_is_stated_and_agreed_before_spending(
    hub: AiHubMixEmulator,
    monkeypatch: pytest.MonkeyPatch,
    stdin: io.StringIO,
    code: int,
    says: str,
) -> None:
    out = _live(monkeypatch, hub.api_key)
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["--base-url", hub.base_url], out=out) == code
    first, second = out.getvalue().splitlines()[:2]
    assert first == f"[live] {hub.base_url}: the key works. {LIVE_COST_NOTE}"
    assert second.startswith(says)
    spent = [r for r in hub.requests if r.method == "POST"]
    assert bool(spent) is (code == 0)


def test_mirror_billing_and_free_model_probes(hub: AiHubMixEmulator) -> None:
    mirror = hub.base_url.replace("127.0.0.1", "localhost")
    findings, _ = run_doctor([hub.base_url, mirror], hub.api_key)
    found = {f.question: f for f in findings}
    assert found["Mirror domains"].seen.count(": 200 (") == 2
    assert found["Mirror domains"].defaults_fit is True
    # a first base URL that cannot be reached: the probes ask the next one
    dead = closed_port()
    findings, _ = run_doctor([dead, hub.base_url], hub.api_key)
    found = {f.question: f for f in findings}
    assert found["Mirror domains"].seen.startswith(f"{dead}: unreachable (0 ids); ")
    assert found["Mirror domains"].defaults_fit is False
    assert found["Native API version"].seen == "v1beta: 200, v1: 404"
    assert found["Billing endpoints"].seen == (
        "subscription: 200, usage: 200, remain: 200; "
        "USD left 12.5, used 7.5; in currency: True"
    )
    assert found["Free model"].seen == "200"
    hub.inject_fault("free_quota", limit="day")
    with httpx2.Client() as client:
        free = free_model(Wire(hub.base_url, hub.api_key, client))
    assert free.seen.startswith("429 free_quota: ") and free.handled is True


def test_the_first_base_url_that_connects_is_asked(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several roots (`--base-url a,b`): a closed first port is skipped; the mirror
    is not suggested when it was among them."""
    out = _live(monkeypatch, hub.api_key)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: nothing spent
    assert main(["--base-url", f"{closed_port()},{hub.base_url}"], out=out) == 2
    assert out.getvalue().startswith(f"[live] {hub.base_url}: the key works.")
    out = _live(monkeypatch, hub.api_key)
    mirror = "http://mirror.invalid"  # stands for the mirror, offline
    monkeypatch.setattr("langchain_aihubmix._doctor.preflight.MIRROR_BASE_URL", mirror)
    assert main(["--base-url", f"{closed_port()},{mirror}"], out=out) == 2
    assert out.getvalue() == "cannot reach mirror.invalid: name not resolved\n"
    assert [r.path for r in hub.requests] == ["/v1/models"]
