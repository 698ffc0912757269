"""The native route's one usage mapping: Gemini `usageMetadata` to `TokenCounts`."""

from __future__ import annotations

from google.genai import types

from langchain_aihubmix._output.to_messages import TokenCounts


def counts_from_usage(
    usage: types.GenerateContentResponseUsageMetadata | None,
) -> TokenCounts:
    """Cumulative Gemini counts in LangChain's terms (missing fields count as 0).

    | TokenCounts  | Gemini usageMetadata                              |
    |--------------|---------------------------------------------------|
    | `input`      | promptTokenCount + toolUsePromptTokenCount        |
    | `output`     | candidatesTokenCount + thoughtsTokenCount         |
    | `cache_read` | cachedContentTokenCount (already part of prompt)  |
    | `reasoning`  | thoughtsTokenCount (already part of output)       |
    | `audio`      | candidatesTokensDetails of modality AUDIO         |
    """
    if usage is None:
        return TokenCounts()
    thoughts = usage.thoughts_token_count or 0
    tool_prompt = usage.tool_use_prompt_token_count or 0
    return TokenCounts(
        input=(usage.prompt_token_count or 0) + tool_prompt,
        output=(usage.candidates_token_count or 0) + thoughts,
        cache_read=usage.cached_content_token_count or 0,
        reasoning=thoughts,
        audio=sum(
            d.token_count or 0
            for d in usage.candidates_tokens_details or ()
            if d.modality == types.MediaModality.AUDIO
        ),
    )
