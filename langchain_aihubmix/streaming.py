"""`ThoughtStreamHandler`: streams thoughts and answer text apart, for terminals."""

from __future__ import annotations

import sys
import threading
from typing import Any, Literal, TextIO
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

__all__ = ["ThoughtStreamHandler"]

Section = Literal["thinking", "answer"]

_KINDS: dict[str, Section] = dict(
    thinking="thinking", reasoning="thinking", text="answer"
)
"""Block type (also the key of its text; `reasoning`: a v1 block) -> section; other
blocks are not shown."""


def chunk_pieces(
    content: str | list[str | dict[str, Any]],
) -> list[tuple[Section, str]]:
    """A chunk's content as (section, text) pieces, in order."""
    pieces: list[tuple[Section, str]] = []
    for block in [content] if isinstance(content, str) else content:
        if isinstance(block, str):
            block = {"type": "text", "text": block}  # noqa: PLW2901
        kind = str(block.get("type"))
        if kind in _KINDS and (text := str(block.get(kind) or "")):
            pieces.append((_KINDS[kind], text))
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
        """Writes to `stream` (default `sys.stdout`, looked up per write), with ANSI
        styling when `color` (None: when the stream is a TTY), under `labels`."""
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

    def _write(self, run_id: UUID, section: Section, text: str) -> None:
        out, color = self.stream, self._color
        if color is None:
            color = bool(getattr(out, "isatty", None) and out.isatty())
        if self._section.get(run_id) != section:
            if run_id in self._section:
                out.write("\n\n")
            label = self.labels[0] if section == "thinking" else self.labels[1]
            out.write(f"\x1b[1m{label}\x1b[0m\n" if color else f"{label}\n")
            self._section[run_id] = section
        thought = color and section == "thinking"
        out.write(f"\x1b[2;3m{text}\x1b[0m" if thought else text)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Writes the chunk's thought and answer text (plain `token` if no chunk)."""
        content = (
            chunk.message.content if isinstance(chunk, ChatGenerationChunk) else token
        )
        pieces = chunk_pieces(content)
        if pieces:
            with self._lock:
                for section, text in pieces:
                    self._write(run_id, section, text)
                self.stream.flush()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Ends the output of the run with a newline."""
        self.on_llm_error(None, run_id=run_id)

    def on_llm_error(self, error: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Ends the output of a (failed) run with a newline."""
        with self._lock:
            if self._section.pop(run_id, None) is not None:
                self.stream.write("\n")
                self.stream.flush()
