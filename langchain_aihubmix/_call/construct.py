"""A model's construction and connection: typed field errors that never show the API
key, the settings its clients are built from, and pickles without key or clients."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._errors.redact import hide_key_inputs
from langchain_aihubmix._options.resolve import UnknownOptionError, did_you_mean
from langchain_aihubmix._transport.failover import gateway_roots
from langchain_aihubmix._transport.route import ClientSettings, Route
from langchain_aihubmix.profiles import Transport

T = TypeVar("T")


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


def validated(build: Callable[[], T], data: Mapping[str, Any]) -> T:
    """`build()`, a pydantic construction from `data`. A failed check raises the
    package's own error behind it, else pydantic's with every input that could be
    the key hidden; raised outside the `except`, so not chained to the original."""
    try:
        return build()
    except ValidationError as exc:
        error = next(_own_errors(exc), None) or hide_key_inputs(exc, data)
    raise error


def _own_errors(exc: ValidationError) -> Iterator[InvalidInputError]:
    for error in exc.errors(include_url=False, include_input=False):
        if isinstance(
            cause := (error.get("ctx") or {}).get("error"), InvalidInputError
        ):
            yield cause


def client_settings(model: Any) -> ClientSettings:
    """How `model` (a chat or embeddings model) reaches the gateway; raises
    `InvalidInputError` without a key."""
    key = model.api_key.get_secret_value() if model.api_key else ""
    headers, args = dict(model.default_headers or {}), dict(model.client_args or {})
    roots = gateway_roots(model.base_url)
    return ClientSettings(key, roots, model.app_code, model.timeout, headers, args)


def new_route(settings: ClientSettings, transport: Transport) -> Route:
    """The clients of `transport` (its SDK imported now), each attempt under a
    deadline (`_transport.deadline`)."""
    from langchain_aihubmix._transport.deadline import Deadlined

    if transport == "openai":
        from langchain_aihubmix._openai.client import OpenAIRoute

        return Deadlined(OpenAIRoute(settings))
    from langchain_aihubmix._native.client import NativeRoute

    return Deadlined(NativeRoute(settings))


def keyless_state(state: dict[Any, Any], **private: Any) -> dict[Any, Any]:
    """A pickle's `state` without the key (workers read `AIHUBMIX_API_KEY`) and with
    the `private` attributes given (clients hold sockets: rebuilt on first use)."""
    own = {**(state.get("__pydantic_private__") or {}), **private}
    fields = {**state["__dict__"], "api_key": None}
    return {**state, "__dict__": fields, "__pydantic_private__": own}
