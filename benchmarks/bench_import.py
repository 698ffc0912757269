"""Import cost (`-X importtime`, summed self times, median of interleaved runs) and
which SDKs a plain import / a native-route call pulls in."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from benchmarks._common import Row

CASES = {
    "langchain_aihubmix": "import langchain_aihubmix",
    # A chat-model package cannot cost less than core's chat-model machinery:
    # `import langchain_core.language_models` alone is a lazy shell that loads none of
    # it, so the baseline imports BaseChatModel itself.
    "langchain_core": "from langchain_core.language_models import BaseChatModel",
    "langchain_core + google.genai": (
        "from langchain_core.language_models import BaseChatModel; import google.genai"
    ),
    "langchain_core + openai": (
        "from langchain_core.language_models import BaseChatModel; import openai"
    ),
    "package native route modules": (
        "import langchain_aihubmix, langchain_aihubmix._native.client"
    ),
    "package openai route modules": (
        "import langchain_aihubmix, langchain_aihubmix._openai.client"
    ),
}

_PROBE = r"""
import json, sys
import langchain_aihubmix
after_import = sorted(m for m in ("openai", "google.genai") if m in sys.modules)
from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator
after_testing = "openai" in sys.modules
with AiHubMixEmulator() as hub:
    llm = ChatAiHubMixGemini(model="gemini-2.5-flash", base_url=hub.base_url,
                             api_key=hub.api_key, transport="native")
    llm.invoke("hi")
    list(llm.stream("hi"))
print(json.dumps({"after_import": after_import, "after_testing": after_testing,
                  "openai_after_native_use": "openai" in sys.modules,
                  "httpx2_after_native_use": "httpx2" in sys.modules}))
"""


def _import_us(code: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us = line.split(":", 1)[1].split("|")[0].strip()
            if self_us.isdigit():
                total += int(self_us)
    return total


def bench_import(quick: bool) -> list[Row]:
    runs = 3 if quick else 9
    samples: dict[str, list[int]] = {name: [] for name in CASES}
    for _ in range(runs):  # interleaved, so that machine noise hits every case alike
        for name, code in CASES.items():
            samples[name].append(_import_us(code))
    ms = {name: statistics.median(values) / 1e3 for name, values in samples.items()}
    rows = [
        Row(
            "import langchain_aihubmix vs langchain_core",
            ms["langchain_aihubmix"],
            ms["langchain_core"],
            "ms",
            "<= core + route SDK",
        ),
        Row(
            "import + native route modules vs core + google.genai",
            ms["package native route modules"],
            ms["langchain_core + google.genai"],
            "ms",
            "<= core + google.genai",
        ),
        Row(
            "import + openai route modules vs core + openai",
            ms["package openai route modules"],
            ms["langchain_core + openai"],
            "ms",
            "<= core + openai",
        ),
    ]
    rows[0].ok = ms["langchain_aihubmix"] <= ms["langchain_core + google.genai"]
    rows[1].ok = (rows[1].ratio or 99) <= 1.15
    rows[2].ok = (rows[2].ratio or 99) <= 1.15
    probe = json.loads(
        subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    rows.append(
        Row(
            "SDKs imported by `import langchain_aihubmix`",
            None,
            None,
            "",
            "none",
            ok=probe["after_import"] == [],
            note=", ".join(probe["after_import"]) or "none",
        )
    )
    rows.append(
        Row(
            "openai imported by using the native route",
            None,
            None,
            "",
            "no",
            ok=not probe["openai_after_native_use"],
            note="yes" if probe["openai_after_native_use"] else "no",
        )
    )
    return rows
