"""Every error (and warning) the package documents, and `raise_classified`.

The classes are defined in private modules and re-exported here, their public home
(their `__module__`, and the module pickles name). The route families are imported
on first use, so that importing the package (or using one route) never imports the
other route's SDK: `from langchain_aihubmix.errors import OpenAIRateLimitError`
imports openai, and only then; so are the `caching` and `catalog` errors.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_aihubmix._errors.base import (
    AiHubMixError,
    FreeQuotaExceededError,
    InvalidInputError,
    MalformedResponseError,
    MediaTooLargeError,
    NoAnswerError,
    _rebuild,  # noqa: F401  (pickles made before the move name errors._rebuild)
)
from langchain_aihubmix._errors.bodies import redact
from langchain_aihubmix._errors.classify import (
    FAMILY_MODULES,
    raise_classified,
    reply_error,
)
from langchain_aihubmix._options.model_rules import ModelRuleWarning
from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix._options.resolve import OutOfRangeError, UnknownOptionError
from langchain_aihubmix._output.cost import UnpricedModelWarning
from langchain_aihubmix._transport.retry import may_have_billed

if TYPE_CHECKING:
    from langchain_aihubmix._errors.native import (
        NativeAPIError,
        NativeAuthenticationError,
        NativeConnectionError,
        NativeContextOverflowError,
        NativeEndpointNotFoundError,
        NativeFreeQuotaExceededError,
        NativeInvalidRequestError,
        NativeNoAnswerError,
        NativeNotFoundError,
        NativePermissionDeniedError,
        NativeRateLimitError,
        NativeTimeoutError,
    )
    from langchain_aihubmix._errors.openai import (
        OpenAIAPIError,
        OpenAIAuthenticationError,
        OpenAIConnectionError,
        OpenAIContextOverflowError,
        OpenAIEndpointNotFoundError,
        OpenAIFreeQuotaExceededError,
        OpenAIInvalidRequestError,
        OpenAINoAnswerError,
        OpenAINotFoundError,
        OpenAIPermissionDeniedError,
        OpenAIRateLimitError,
        OpenAITimeoutError,
    )
    from langchain_aihubmix.caching import (
        ExplicitCachingUnavailableError,
        GatewayFeatureUnavailableError,
    )
    from langchain_aihubmix.catalog import CatalogError, CatalogUnitWarning

__all__ = [
    "AiHubMixError",
    "CatalogError",
    "CatalogUnitWarning",
    "ExplicitCachingUnavailableError",
    "FreeQuotaExceededError",
    "GatewayFeatureUnavailableError",
    "InvalidInputError",
    "MalformedResponseError",
    "MediaTooLargeError",
    "ModelRuleWarning",
    "NativeAPIError",
    "NativeAuthenticationError",
    "NativeConnectionError",
    "NativeContextOverflowError",
    "NativeEndpointNotFoundError",
    "NativeFreeQuotaExceededError",
    "NativeInvalidRequestError",
    "NativeNoAnswerError",
    "NativeNotFoundError",
    "NativePermissionDeniedError",
    "NativeRateLimitError",
    "NativeTimeoutError",
    "NoAnswerError",
    "NotOnOpenAIRouteError",
    "OpenAIAPIError",
    "OpenAIAuthenticationError",
    "OpenAIConnectionError",
    "OpenAIContextOverflowError",
    "OpenAIEndpointNotFoundError",
    "OpenAIFreeQuotaExceededError",
    "OpenAIInvalidRequestError",
    "OpenAINoAnswerError",
    "OpenAINotFoundError",
    "OpenAIPermissionDeniedError",
    "OpenAIRateLimitError",
    "OpenAITimeoutError",
    "OutOfRangeError",
    "UnknownOptionError",
    "UnpricedModelWarning",
    "may_have_billed",
    "raise_classified",
    "redact",
    "reply_error",
]

_LAZY_CLASSES: Mapping[str, str] = {
    **{
        name: FAMILY_MODULES["native" if name.startswith("Native") else "openai"]
        for name in __all__
        if name.startswith(("Native", "OpenAI"))
    },
    "ExplicitCachingUnavailableError": "langchain_aihubmix.caching",
    "GatewayFeatureUnavailableError": "langchain_aihubmix.caching",
    "CatalogError": "langchain_aihubmix.catalog",
    "CatalogUnitWarning": "langchain_aihubmix.catalog",
}
"""Class name -> the module defining it (read by `__getattr__`)."""


def __getattr__(name: str) -> Any:
    """The route classes (`NativeRateLimitError`, ...) and the others, on first use."""
    module_name = _LAZY_CLASSES.get(name)
    if module_name is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
