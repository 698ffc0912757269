"""Warnings that point at the user's line, past this package and its libraries."""

from __future__ import annotations

import os
import sys
import threading
import warnings

_AROUND = ("langchain_aihubmix", "langchain_core", "langchain", "langgraph", "pydantic")
"""Packages between a user's call and a warning: their frames are skipped."""


def warn(message: str, category: type[Warning]) -> None:
    """`warnings.warn` at the first frame outside `_AROUND` (Python 3.12's
    `skip_file_prefixes`, for 3.11): calls reach a warning by paths of any depth."""
    dirs = tuple(
        os.path.dirname(path) + os.sep
        for name in _AROUND
        if (path := getattr(sys.modules.get(name), "__file__", None))
    )
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(dirs):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


WARNED: set[tuple[str, str]] = set()
"""The (model, rule) keys `warn_once` has warned for, in this process."""
_lock = threading.Lock()


def warn_once(key: tuple[str, str], message: str, category: type[Warning]) -> None:
    """`warn`, the first time only for `key` (a model id and what it is about)."""
    with _lock:
        if key in WARNED:
            return
        WARNED.add(key)
    warn(message, category)
