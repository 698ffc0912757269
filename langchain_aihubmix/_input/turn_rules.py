"""Turn rules Gemini enforces on a whole history, checked (or met) before sending."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    SKIP_SIGNATURE_SENTINEL,
    Conversation,
    MediaPart,
    Part,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix.profiles import profile_for

_FIX = (
    "Answer every tool call with a ToolMessage(tool_call_id=...) right after the "
    "AI message that made it (for a call that was not run, e.g. "
    "ToolMessage('cancelled', tool_call_id=..., status='error')), or drop the call."
)


def check_turns(conv: Conversation) -> None:
    """Reject a history that Gemini would refuse for its shape, on either route
    (`InvalidInputError`, naming the tool call ids).

    Something besides system text must be sent, and each tool call is answered,
    exactly once, by the tool messages that directly follow its AI message: Gemini
    rejects anything else ("Please ensure that the number of function response parts
    is equal to the number of function call parts of the function call turn"), also
    behind the OpenAI-compatible route (OpenAI's own rule is the same). A history
    may END with unanswered calls (an agent paused for approval).
    """
    if not conv.turns:
        msg = (
            "nothing to send but system instructions: Gemini needs at least one "
            "user message (add a HumanMessage after the SystemMessage)"
        )
        raise InvalidInputError(msg)
    turns = conv.turns
    for k, turn in enumerate(turns):
        if turn.role == "model":
            calls = [p for p in turn.parts if isinstance(p, ToolCallPart)]
            if calls and k + 1 < len(turns):
                _check_answered(calls, turns[k + 1])
        elif turn.role == "tool":
            before = turns[k - 1] if k else None
            _check_follows(turn, before)


def _check_answered(calls: list[ToolCallPart], after: Turn) -> None:
    answers = Counter(p.call_id for p in after.parts if isinstance(p, ToolResultPart))
    missing = [c for c in calls if answers[c.id] == 0]
    if missing:
        ids = ", ".join(f"{c.id!r} ({c.name})" for c in missing)
        then = (
            "tool messages that do not answer it"
            if after.role == "tool"
            else f"a {after.role} message, not by a ToolMessage answering it"
        )
        msg = (
            f"tool call {ids} has no answer: the AI message that made it is "
            f"followed by {then}, which Gemini rejects on both routes. {_FIX}"
        )
        raise InvalidInputError(msg)
    twice = sorted(cid for cid, n in answers.items() if n > 1)
    if twice:
        msg = (
            f"tool call {', '.join(map(repr, twice))} is answered by more than one "
            "ToolMessage; Gemini needs exactly one function response per call."
        )
        raise InvalidInputError(msg)


def _check_follows(turn: Turn, before: Turn | None) -> None:
    made = set()
    if before is not None and before.role == "model":
        made = {p.id for p in before.parts if isinstance(p, ToolCallPart)}
    for part in turn.parts:
        if isinstance(part, ToolResultPart) and part.call_id not in made:
            msg = (
                f"the ToolMessage for tool call {part.call_id!r} does not directly "
                "follow the AI message that made the call (another message comes "
                "between them), which Gemini rejects. Move it right after that AI "
                "message, next to the other answers to its calls."
            )
            raise InvalidInputError(msg)


def bypass_signatures(conv: Conversation, model: str) -> Conversation:
    """`conv` with Google's bypass signature on the unsigned parts `model` needs
    signed, for histories built by hand, stored without signatures or from another
    provider.

    Gemini 3+: the first function call of each model step of the current turn
    (after the last user message), as Google documents ("Function call is missing
    a thought_signature"). Gemini 3 image models also: each model turn's first
    text part and its images ("Text/Image part is missing a thought_signature"),
    as the gateways do (new-api `AttachFirstTextThoughtSignature`).
    """
    profile = profile_for(model)
    if not profile.requires_thought_signatures:
        return conv
    user = max((k for k, t in enumerate(conv.turns) if t.role == "user"), default=-1)
    turns = [
        _bypassed(turn, current=k > user, images=profile.image_output)
        if turn.role == "model"
        else turn
        for k, turn in enumerate(conv.turns)
    ]
    return Conversation(conv.system, turns)


def _bypassed(turn: Turn, *, current: bool, images: bool) -> Turn:
    """Signed: the turn's first call if `current`; with `images`, its first text
    part and every image."""
    parts = turn.parts
    wanted: list[Part | None] = [
        next((p for p in parts if isinstance(p, ToolCallPart)), None)
    ] * current
    if images:
        wanted += [next((p for p in parts if isinstance(p, TextPart)), None)]
        wanted += [p for p in parts if isinstance(p, MediaPart)]
    return Turn(
        "model",
        [
            replace(p, signature=SKIP_SIGNATURE_SENTINEL)
            if isinstance(p, ToolCallPart | TextPart | MediaPart)
            and p.signature is None
            and any(p is w for w in wanted)
            else p
            for p in parts
        ],
    )
