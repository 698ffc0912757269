"""Private: what both routes' clients share (route protocol, retry, deadlines)."""
