"""Server-sent events read per the WHATWG rules: the `data` of each event, nothing else
(pure, incremental: `SSEFramer.feed(bytes)` returns the data of the events the bytes
complete; lines end at CRLF, LF or CR, other fields and comments are skipped, an
event's `data:` lines joined with `\\n`, events without data dropped)."""

from __future__ import annotations

_EOL = (b"\n", b"\r")
_BOM = b"\xef\xbb\xbf"


class SSEFramer:
    """Splits an event stream into the data of its events (bytes in, bytes out)."""

    def __init__(self) -> None:
        self._tail = b""
        self._data: list[bytes] = []
        self._started = False
        self._skip_lf = False

    @property
    def idle(self) -> bool:
        """Whether the next bytes start a line of a new event (nothing held)."""
        return self._started and not (self._tail or self._data or self._skip_lf)

    def feed(self, chunk: bytes) -> list[bytes]:
        """The data of each event that `chunk` completes, in order."""
        if not self._started:
            chunk = self._tail + chunk
            self._tail = b""
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._tail = chunk  # too short to tell whether a BOM starts it
                return []
            self._started = True
            chunk = chunk.removeprefix(_BOM)
        if self._skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across two chunks
        self._skip_lf = False
        text = self._tail + chunk if self._tail else chunk
        # bytes.splitlines() breaks at CRLF, LF and CR only: the SSE line ends.
        lines = text.splitlines(keepends=True)
        self._tail = lines.pop() if lines and not lines[-1].endswith(_EOL) else b""
        self._skip_lf = text.endswith(b"\r")  # an LF may follow in the next chunk
        events: list[bytes] = []
        for line in lines:
            self._line(line.rstrip(b"\r\n"), events)
        return events

    def finish(self) -> bytes | None:
        """At the end of the stream: the data of an event left unterminated, if any.

        The rules discard such an event; the caller decides (a complete JSON value
        is worth keeping, a cut one is a broken stream).
        """
        if self._tail:
            self._line(self._tail, [])
            self._tail = b""
        data, self._data = self._data, []
        return b"\n".join(data) if data else None

    def _line(self, line: bytes, events: list[bytes]) -> None:
        if line.startswith(b"data: "):  # the common case first
            self._data.append(line[6:])
            return
        if not line:
            if self._data:
                events.append(b"\n".join(self._data))
                self._data = []
            return
        if line.startswith(b":"):
            return
        name, _, value = line.partition(b":")
        if name == b"data":
            self._data.append(value[1:] if value.startswith(b" ") else value)
