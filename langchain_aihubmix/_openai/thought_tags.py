"""Incremental splitter of leading `<thought>` / `<think>` reasoning in content."""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

Piece: TypeAlias = tuple[Literal["thinking", "text"], str]

_TAGS: Final[dict[str, str]] = {"<thought>": "</thought>", "<think>": "</think>"}
"""Opening tag -> its closing tag."""

_State: TypeAlias = Literal["start", "thinking", "text"]


class ThoughtTagSplitter:
    """Splits content into thinking and text pieces, one stream chunk at a time.

    Tagged reasoning is recognised at the start of the content (after whitespace)
    and right after a closing tag (`<thought>a</thought><thought>b</thought>answer`);
    anywhere else a tag is answer text. Tags may be split across chunks; only what
    could still begin (or end) a tag is held back. Whitespace between a closing tag
    and the answer is dropped; an unclosed thought is thinking.
    """

    def __init__(self) -> None:
        self._state: _State = "start"
        self._buf = ""
        self._close = ""
        self._after_close = False

    def feed(self, text: str) -> list[Piece]:
        """Pieces that are certain after `text`, in order (may be empty)."""
        self._buf += text
        out: list[Piece] = []
        while self._buf:
            if self._state == "text":
                _emit(out, "text", self._buf)
                self._buf = ""
            elif self._state == "start":
                if not self._start():
                    break
            elif not self._thinking(out):
                break
        return out

    def flush(self) -> list[Piece]:
        """Whatever is still held back, at the end of the content."""
        out: list[Piece] = []
        buf, self._buf = self._buf, ""
        if self._state == "thinking":
            _emit(out, "thinking", buf)
        elif self._state == "start":
            _emit(out, "text", buf.lstrip() if self._after_close else buf)
        else:
            _emit(out, "text", buf)
        self._state = "text"
        return out

    def _start(self) -> bool:
        """Decide between a tag and text; False when more input is needed."""
        stripped = self._buf.lstrip()
        if not stripped:
            return False
        for open_tag, close_tag in _TAGS.items():
            if stripped.startswith(open_tag):
                self._buf = stripped[len(open_tag) :]
                self._state, self._close = "thinking", close_tag
                return True
        if any(tag.startswith(stripped) for tag in _TAGS):
            return False
        if self._after_close:
            self._buf = stripped
        self._state = "text"
        return True

    def _thinking(self, out: list[Piece]) -> bool:
        """Emit thought text up to the closing tag; False when more is needed."""
        at = self._buf.find(self._close)
        if at >= 0:
            _emit(out, "thinking", self._buf[:at])
            self._buf = self._buf[at + len(self._close) :]
            self._state, self._after_close = "start", True
            return True
        keep = _partial_suffix(self._buf, self._close)
        _emit(out, "thinking", self._buf[: len(self._buf) - keep])
        self._buf = self._buf[len(self._buf) - keep :]
        return False


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def _emit(out: list[Piece], kind: Literal["thinking", "text"], text: str) -> None:
    """Append a non-empty piece, merging it into the previous one of the same kind."""
    if not text:
        return
    if out and out[-1][0] == kind:
        out[-1] = (kind, out[-1][1] + text)
    else:
        out.append((kind, text))
