"""The README's configuration table, written from the option declaration.

Call options come from `langchain_aihubmix._options.spec.OPTIONS`; the fields a model
takes at construction only are listed here. `tests/unit_tests/test_docs.py` holds the
README table (between `<!-- options:start -->` and `<!-- options:end -->`) to this
output and these rows to the model's fields.

    python scripts/options_table.py
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_aihubmix._options.spec import OPTIONS


@dataclass(frozen=True)
class Setting:
    """A constructor-only field, as its README row shows it (the model declares it)."""

    name: str
    default: str
    doc: str
    alias: str | None = None


CONNECTION: tuple[Setting, ...] = (
    Setting(
        "model",
        "required",
        "Gemini model id as AiHubMix names it, e.g. `gemini-2.5-flash`; also per call",
        alias="model_name",
    ),
    Setting(
        "api_key",
        "env `AIHUBMIX_API_KEY`",
        "AiHubMix key (`SecretStr`); never shown, logged or serialised",
    ),
    Setting(
        "base_url",
        "env `AIHUBMIX_BASE_URL`, else `https://aihubmix.com`",
        "gateway root (`.../v1`, `.../gemini`, `.../gemini/v1beta`, a trailing `/`: "
        "the root), or roots in order: the next when connecting fails (env: "
        "comma-separated)",
    ),
    Setting(
        "transport",
        "unset",
        '`"native"` or `"openai"`; unset: each call\'s model id picks it (ids ending '
        "in `-nothink` / `-search`: openai, others native)",
    ),
    Setting(
        "app_code", "env `AIHUBMIX_APP_CODE`", "optional AiHubMix `APP-Code` header"
    ),
)
"""The fields before the options in the README table."""

BEHAVIOUR: tuple[Setting, ...] = (
    Setting(
        "streaming",
        "`False`",
        "`invoke` streams under the hood (callbacks see every token)",
    ),
    Setting(
        "timeout",
        "`60.0`",
        "deadline in seconds for each attempt (streams: until the first chunk, then "
        "between chunks; above 0, or None: none); also per call",
    ),
    Setting(
        "max_retries",
        "`2`",
        "retries after the first attempt, of what the gateway cannot have billed; "
        "also per call",
    ),
    Setting(
        "retry_billable",
        "`False`",
        "also retry what the gateway may have billed (timeouts, cut streams, ...)",
    ),
    Setting("default_headers", "unset", "extra HTTP headers for every request"),
    Setting(
        "client_args",
        "unset",
        'httpx client options, e.g. `{"proxy": "http://proxy:8080"}`',
    ),
    Setting(
        "media_fetch_timeout",
        "`30.0`",
        "seconds for downloading an http(s) media URL in the input",
    ),
    Setting(
        "allow_private_media_urls",
        "`False`",
        "let media URLs reach private, loopback and reserved addresses (off: "
        "refused, against SSRF)",
    ),
    Setting(
        "prices",
        "built-in table",
        'price table for `response_metadata["cost"]` (not serialised)',
    ),
)
"""The fields after the options in the README table."""


def _row(
    name: str, alias: str | None, default: str, doc: str, per_call: tuple[str, ...] = ()
) -> str:
    names = f"`{name}`" + (f" (alias `{alias}`)" if alias else "")
    if per_call:
        names += " (per call also " + ", ".join(f"`{a}`" for a in per_call) + ")"
    return f"| {names} | {default} | {doc} |"


def _range(bounds: tuple[float, float | None] | None) -> str:
    if bounds is None:
        return ""
    low, high = bounds
    return f"; at least {low:g}" if high is None else f"; {low:g} to {high:g}"


def markdown_table() -> str:
    """The README's configuration table: every model field this package adds."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    rows += [_row(s.name, s.alias, s.default, s.doc) for s in CONNECTION]
    rows += [
        _row(
            o.name,
            o.alias,
            "unset" if o.default is None else f"`{o.default!r}`",
            o.doc + _range(o.bounds),
            o.call_aliases,
        )
        for o in OPTIONS
    ]
    rows += [_row(s.name, s.alias, s.default, s.doc) for s in BEHAVIOUR]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
