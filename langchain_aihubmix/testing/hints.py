"""Argument values a prompt offers: `key: value` pairs, quoted text, names, numbers."""

from __future__ import annotations

import re
from collections import deque

_READ = 50_000
"""Characters of a prompt read for hints (a long document adds nothing useful)."""
_PAIR = re.compile(r"\b([A-Za-z_]\w*)\s*[:=]\s*['\"]?([\w.@/+-]+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<!\w)'([^']+)'(?!\w)|‘([^’]+)’")
_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ][\w'-]*"  # Latin-1 too: "São Paulo", "Zürich"
_NAME = re.compile(rf"\b{_WORD}(?:[ \t]+{_WORD})*")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")


class Hints:
    """What a prompt offers for argument values, each free value used once.

    - `key: value` / `key=value` (and `key is value` for the key asked about): the
      value of a property named `key`;
    - free strings, in prompt order: quoted text ("...", '...', “...”) and proper
      names (capitalised words, not acronyms, that do not start a sentence: "in
      Lisbon", "New York"), except values given as `key: value` and the `reserved`
      words (the schema's property names: "with 'city' and 'country' keys");
    - free numbers, in prompt order (an integer field takes the next integral one).
    """

    def __init__(self, text: str, reserved: frozenset[str] = frozenset()) -> None:
        self.text = text = text[:_READ]
        self._pairs = {k.lower(): v for k, v in _PAIR.findall(text)}
        self.free = [k for k, _ in _PAIR.findall(text) if k not in reserved]
        """The keys given as `key: value` that name no property (a map's keys)."""
        given = set(self._pairs.values()) | reserved
        quoted = list(_QUOTED.finditer(text))
        found = [(m.start(), next(g for g in m.groups() if g)) for m in quoted]
        for match in _NAME.finditer(text):
            at = match.start()
            inside = any(q.start() <= at < q.end() for q in quoted)
            if not inside and not _starts_sentence(text, at):
                found.append((at, match.group(0)))
        self._strings = deque(v for _, v in sorted(found) if v not in given)
        self._numbers = deque(
            float(m.group(0)) for m in _NUMBER.finditer(text) if m.group(0) not in given
        )

    def given(self, name: str) -> str | None:
        """The value written as `name: value` (or `name is value`) in the prompt."""
        if not name:
            return None
        value = self._pairs.get(name.lower())
        if value is None:
            said = rf"\b{re.escape(name)}\s+is\s+([\w.@/+-]+)"
            match = re.search(said, self.text, re.IGNORECASE)
            value = match.group(1) if match else None
        return value

    def string(self, name: str) -> str | None:
        """`name`'s given value, else the next free string."""
        value = self.given(name)
        if value is not None:
            return value
        return self._strings.popleft() if self._strings else None

    def number(self, name: str, *, integer: bool) -> float | None:
        """`name`'s given number, else the next free (integral) number."""
        try:
            value = float(self.given(name) or "")
        except ValueError:
            value = None
        if value is not None and (value.is_integer() or not integer):
            return value
        for candidate in self._numbers:
            if candidate.is_integer() or not integer:
                self._numbers.remove(candidate)
                return candidate
        return None

    def option(self, options: list[object]) -> object:
        """The first string option the prompt names as a word, else the first."""
        for option in options:
            word = rf"(?<!\w){re.escape(str(option))}(?!\w)"
            if isinstance(option, str) and option and re.search(word, self.text, re.I):
                return option
        return options[0]


def _starts_sentence(text: str, at: int) -> bool:
    """Whether only spaces and sentence punctuation (or nothing) precede `at`."""
    i = at - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n"
