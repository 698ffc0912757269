"""OpenAI-style `usage` -> the package's cumulative `TokenCounts`."""

from __future__ import annotations

from openai.types import CompletionUsage

from langchain_aihubmix._output.to_messages import TokenCounts


def counts_from_usage(usage: CompletionUsage | None) -> TokenCounts:
    """Map one (cumulative) `usage` object to `TokenCounts`.

    | TokenCounts | from |
    |---|---|
    | input | `prompt_tokens` |
    | output | `completion_tokens`, plus the gap `total - prompt - completion` when
      the gap is positive (Gemini's layers leave thought tokens out of
      `completion_tokens` but count them in `total_tokens`), so that
      input + output == total |
    | reasoning | `completion_tokens_details.reasoning_tokens` when present, else the
      gap above |
    | cache_read | `prompt_tokens_details.cached_tokens` |

    Missing fields count as 0 (the SDK builds response objects without validation).
    """
    if usage is None:
        return TokenCounts()
    prompt = usage.prompt_tokens or 0
    completion = usage.completion_tokens or 0
    gap = max(0, (usage.total_tokens or 0) - prompt - completion)
    details = usage.completion_tokens_details
    reported = details.reasoning_tokens if details is not None else None
    prompt_details = usage.prompt_tokens_details
    cached = prompt_details.cached_tokens if prompt_details is not None else None
    return TokenCounts(
        input=prompt,
        output=completion + gap,
        cache_read=cached or 0,
        reasoning=reported if reported is not None else gap,
    )
