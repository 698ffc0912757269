"""Each model's request rules, applied to a call before anything is sent.

A rule the gateway would answer with a 400 raises `InvalidInputError` here instead;
a value the model ignores warns once (`ModelRuleWarning`) and is not sent. The rules
come from `profiles.profile_for` (sources listed there); thinking levels are checked
where options are resolved (`resolve`), against the same profile.
"""

from __future__ import annotations

from dataclasses import replace

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._errors.warn import warn_once
from langchain_aihubmix._input.conversation import Conversation, TextPart
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix.profiles import (
    ModelProfile,
    Transport,
    default_transport,
    profile_for,
)

__all__ = ["CHARS_PER_TOKEN", "ModelRuleWarning", "apply_rules", "check_transport"]

CHARS_PER_TOKEN = 4
"""Characters per token of the local estimate (`langchain_aihubmix.tokens`)."""


class ModelRuleWarning(UserWarning):
    """A call asks for something the model ignores or may not serve."""


def check_transport(model: str, transport: Transport) -> None:
    """Rejects (`NotOnOpenAIRouteError`) an image- or speech-output model on the
    OpenAI-compatible route (blank images there: rikkahub issue #1228; speech has
    no Gemini form there, the doctor asks), and a `-nothink` / `-search` id on the
    native one (`InvalidInputError`)."""
    if transport == "native" and default_transport(model) == "openai":
        msg = (
            f"{model}: AiHubMix serves -nothink / -search ids on its OpenAI-compatible "
            "route only (natively: 400 get_adaptor_failed). Leave transport unset."
        )
        raise InvalidInputError(msg)
    profile = profile_for(model)
    if transport == "openai" and (profile.image_output or profile.speech_output):
        what = "images" if profile.image_output else "speech"
        msg = (
            f"{model} generates {what}, which this package supports on the native "
            "route only (on /v1 images come back blank while tokens are billed, and "
            "speech has no Gemini form). Leave transport unset (native is the "
            "default for these models) or pass transport='native'."
        )
        raise NotOnOpenAIRouteError(msg)


def apply_rules(
    conv: Conversation, opts: CallOptions, transport: Transport
) -> CallOptions:
    """Checks one call against its model's rules and returns the options to send;
    `InvalidInputError` where the gateway would answer 400 (a terminal model turn on a
    model that rejects prefill, `max_output_tokens` above the model's limit, an image
    model on the OpenAI route).
    """
    model = opts.model
    profile = profile_for(model)
    check_transport(model, transport)
    if profile.retired:
        said = (
            f"{model} was retired by Google in 2026; the gateway may no longer serve "
            "it. See langchain_aihubmix.snapshot for current ids."
        )
        warn_once((model, "retired"), said, ModelRuleWarning)
    if opts.max_output_tokens is not None and (
        opts.max_output_tokens > profile.max_output_tokens
    ):
        msg = (
            f"max_output_tokens={opts.max_output_tokens} is above {model}'s output "
            f"limit of {profile.max_output_tokens} tokens; Gemini rejects it."
        )
        raise InvalidInputError(msg)
    if profile.rejects_prefill and conv.turns and conv.turns[-1].role == "model":
        msg = (
            f"{model} rejects a conversation that ends with a model (AI) message "
            "(prefill); end it with a user or tool message."
        )
        raise InvalidInputError(msg)
    _check_input_size(conv, model, profile)
    return _drop_ignored(opts, model, profile)


def _drop_ignored(opts: CallOptions, model: str, profile: ModelProfile) -> CallOptions:
    sampling = [
        n for n in ("temperature", "top_p", "top_k") if getattr(opts, n) is not None
    ]
    if sampling and profile.sampling_ignored:
        names = ", ".join(sorted(sampling))
        said = f"{model} ignores {names}; they are not sent."
        warn_once((model, "sampling"), said, ModelRuleWarning)
        opts = replace(opts, temperature=None, top_p=None, top_k=None)
    if opts.thinking_budget is not None and not profile.accepts_thinking_budget:
        said = (
            f"{model} takes thinking levels, not a thinking budget: "
            "thinking_budget is not sent; use reasoning_effort instead."
        )
        warn_once((model, "thinking_budget"), said, ModelRuleWarning)
        opts = replace(opts, thinking_budget=None)
    return opts


def _check_input_size(conv: Conversation, model: str, profile: ModelProfile) -> None:
    """Warns when the text alone is estimated above the model's input limit."""
    limit_chars = profile.max_input_tokens * CHARS_PER_TOKEN
    chars = sum(len(text) for text in conv.system)
    for turn in conv.turns:
        chars += sum(len(p.text) for p in turn.parts if isinstance(p, TextPart))
        if chars > limit_chars:
            said = (
                f"The prompt's text is estimated above {model}'s input limit of "
                f"{profile.max_input_tokens} tokens; the gateway will likely reject it."
            )
            warn_once((model, "input_limit"), said, ModelRuleWarning)
            return
