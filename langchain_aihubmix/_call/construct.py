"""Constructor errors: unknown fields named, and no error that shows the API key."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._errors.redact import hide_key_inputs
from langchain_aihubmix._options.resolve import UnknownOptionError, did_you_mean


def check_field_names(cls: type[BaseModel], kwargs: Mapping[str, Any]) -> None:
    """Raise `UnknownOptionError` for a keyword that is no field (nor its alias)."""
    known = _field_names(cls)
    for key in kwargs:
        if key not in known:
            msg = f"Unknown field {key!r} for {cls.__name__}.{did_you_mean(key, known)}"
            raise UnknownOptionError(msg)


@functools.cache
def _field_names(cls: type[BaseModel]) -> frozenset[str]:
    """Every name a constructor accepts: field names and their aliases."""
    names = set(cls.model_fields)
    names.update(f.alias for f in cls.model_fields.values() if f.alias)
    names.add("callback_manager")  # deprecated; langchain-core still maps it
    return frozenset(names)


def construction_error(exc: ValidationError, data: Mapping[str, Any]) -> Exception:
    """The error to raise for a failed construction: the package's own error when
    one is behind `exc`, else `exc` with every input that could be the key hidden."""
    return _invalid_input(exc) or hide_key_inputs(exc, data)


def _invalid_input(exc: ValidationError) -> InvalidInputError | None:
    """The package's own error behind a pydantic `ValidationError`, if one is."""
    for error in exc.errors(include_url=False, include_input=False):
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidInputError):
            return cause
    return None
