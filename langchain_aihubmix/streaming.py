"""`ThoughtStreamHandler`: streams thoughts and answer text apart, for terminals."""

from __future__ import annotations

import sys
import threading
from typing import Any, Literal, TextIO
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

__all__ = ["ThoughtStreamHandler"]

Section = Literal["thinking", "answer"]

_DIM_ITALIC = "\x1b[2;3m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def chunk_pieces(
    content: str | list[str | dict[str, Any]],
) -> list[tuple[Section, str]]:
    """Splits a message chunk's content into (section, text) pieces, in order.

    `thinking` blocks (`"thinking"` key) and v1 `reasoning` blocks (`"reasoning"`
    key) are thoughts; `text` blocks and plain strings are the answer; other blocks
    (code, images, ...) are not shown.
    """
    if isinstance(content, str):
        return [("answer", content)] if content else []
    pieces: list[tuple[Section, str]] = []
    for block in content:
        kind: Section
        if isinstance(block, str):
            kind, text = "answer", block
        elif block.get("type") == "thinking":
            kind, text = "thinking", str(block.get("thinking") or "")
        elif block.get("type") == "reasoning":
            kind, text = "thinking", str(block.get("reasoning") or "")
        elif block.get("type") == "text":
            kind, text = "answer", str(block.get("text") or "")
        else:
            continue
        if text:
            pieces.append((kind, text))
    return pieces


class ThoughtStreamHandler(BaseCallbackHandler):
    """Writes a streamed answer to a terminal, thoughts apart from the answer.

    Thought text goes under a `Thinking:` label (dim italic with colours), answer
    text under `Answer:`; a label is written whenever the stream switches between
    the two. Colours are on when `stream` is a TTY unless `color` says otherwise.
    One handler serves one stream at a time (concurrent runs would interleave).

    Example:
        ```python
        from langchain_aihubmix.streaming import ThoughtStreamHandler

        llm = ChatAiHubMixGemini(model="gemini-2.5-flash", include_thoughts=True)
        for _ in llm.stream("Why is the sky blue?",
                            config={"callbacks": [ThoughtStreamHandler()]}):
            pass
        ```
    """

    run_inline = True  # keep chunk order on the event loop in async streams

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        color: bool | None = None,
        labels: tuple[str, str] = ("Thinking:", "Answer:"),
    ) -> None:
        """Creates the handler.

        Args:
            stream: Where to write (default `sys.stdout`, looked up per write).
            color: ANSI styling; `None` = only when the stream is a TTY.
            labels: The labels of the thinking and answer sections.
        """
        super().__init__()
        self._stream = stream
        self._color = color
        self.labels = labels
        self._lock = threading.Lock()
        self._section: dict[UUID, Section] = {}

    @property
    def stream(self) -> TextIO:
        """The stream written to."""
        return self._stream if self._stream is not None else sys.stdout

    def _colored(self) -> bool:
        if self._color is not None:
            return self._color
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _write(self, run_id: UUID, section: Section, text: str) -> None:
        out, color = self.stream, self._colored()
        if self._section.get(run_id) != section:
            if run_id in self._section:
                out.write("\n\n")
            label = self.labels[0] if section == "thinking" else self.labels[1]
            out.write(f"{_BOLD}{label}{_RESET}\n" if color else f"{label}\n")
            self._section[run_id] = section
        if color and section == "thinking":
            out.write(f"{_DIM_ITALIC}{text}{_RESET}")
        else:
            out.write(text)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Writes the chunk's thought and answer text (plain `token` if no chunk)."""
        if isinstance(chunk, ChatGenerationChunk):
            pieces = chunk_pieces(chunk.message.content)
        else:
            pieces = chunk_pieces(token)
        if not pieces:
            return
        with self._lock:
            for section, text in pieces:
                self._write(run_id, section, text)
            self.stream.flush()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Ends the output of the run with a newline."""
        self._finish(run_id)

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Ends the output of a failed run with a newline."""
        self._finish(run_id)

    def _finish(self, run_id: UUID) -> None:
        with self._lock:
            if self._section.pop(run_id, None) is not None:
                self.stream.write("\n")
                self.stream.flush()
