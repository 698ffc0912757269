"""Print `name==lower-bound` for each runtime dependency in pyproject.toml.

`make lock` resolves requirements/min.lock with these as constraints: the package's
dependencies at their lowest allowed versions, the test tools at the newest versions
that work with them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).parents[1]


def lower_bounds() -> list[str]:
    """`name==version` for every `>=` bound of `project.dependencies`."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    pins = []
    for dep in deps:
        match = re.match(r"^([A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?.*?>=\s*([^,;\s]+)", dep)
        if match is None:
            sys.exit(f"no lower bound: {dep}")
        pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


if __name__ == "__main__":
    print("\n".join(lower_bounds()))
