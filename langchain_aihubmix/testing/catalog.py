"""Models the emulator knows: capabilities, prices, and the AiHubMix catalogue shape.

`GET /api/v1/models` answers (no key needed, like AiHubMix's public catalogue)::

    {"success": true,
     "data": [{"model_id": "gemini-2.5-flash", "developer": "google",
               "desc": "...", "types": "llm",
               "pricing": {"input": 0.3, "output": 2.5, "cache_read": 0.03},
               "context_length": 1048576, "max_output": 65536,
               "input_modalities": ["text", "image", "audio", "video", "pdf"],
               "features": ["thinking", "function_calling", ...],
               "endpoints": ["/v1/chat/completions",
                             "/gemini/v1beta/models/{model}:generateContent"]}]}

Prices are USD per 1M tokens; `cache_read` is the implicit-cache read price.
"""

from __future__ import annotations

from typing import Any

_FEATURES = [
    "thinking",
    "function_calling",
    "structured_outputs",
    "code_execution",
    "web_search",
    "url_context",
    "long_context",
]
_MEDIA = ["text", "image", "audio", "video", "pdf"]

# model id -> (input, output, cache_read, context_length, max_output)
MODELS: dict[str, tuple[float, float, float, int, int]] = {
    "gemini-2.5-flash": (0.30, 2.50, 0.03, 1_048_576, 65_536),
    "gemini-2.5-pro": (1.25, 10.0, 0.125, 1_048_576, 65_536),
    "gemini-2.5-flash-lite": (0.10, 0.40, 0.01, 1_048_576, 65_536),
    "gemini-2.5-flash-image": (0.30, 30.0, 0.03, 32_768, 32_768),
    "gemini-2.5-flash-nothink": (0.30, 2.50, 0.03, 1_048_576, 65_536),
    "gemini-2.5-flash-search": (0.30, 2.50, 0.03, 1_048_576, 65_536),
    "gemini-3-flash-preview": (0.50, 3.0, 0.05, 1_048_576, 65_536),
    "gemini-3-flash-preview-search": (0.50, 3.0, 0.05, 1_048_576, 65_536),
    "gemini-3-pro-preview": (2.0, 12.0, 0.20, 1_048_576, 65_536),
    "gemini-3-pro-image-preview": (2.0, 120.0, 0.20, 65_536, 32_768),
    "gemini-3.1-pro-preview": (2.0, 12.0, 0.20, 1_048_576, 65_536),
    "gemini-3.1-flash-lite": (0.10, 0.40, 0.01, 1_048_576, 65_536),
}


def base_model(model: str) -> str:
    """The model id without AiHubMix's `-nothink` / `-search` suffix."""
    for suffix in ("-nothink", "-search"):
        if model.endswith(suffix):
            return model[: -len(suffix)]
    return model


def is_gemini3(model: str) -> bool:
    """Gemini 3 family (strict thought-signature rules, call ids)."""
    return model.startswith("gemini-3")


def is_pro(model: str) -> bool:
    """A *-pro model (MINIMAL thinking level not supported)."""
    return "-pro" in base_model(model)


def thinks_by_default(model: str) -> bool:
    """2.5 and 3 models think unless told not to (2.5 Flash-Lite does not)."""
    model = base_model(model)
    if model.startswith("gemini-2.5-flash-lite"):
        return False
    return model.startswith(("gemini-2.5", "gemini-3"))


def openai_list() -> dict[str, Any]:
    """`GET /v1/models` body."""
    data = [
        {"id": m, "object": "model", "created": 1_735_689_600, "owned_by": "google"}
        for m in MODELS
    ]
    return {"object": "list", "data": data}


def aihubmix_catalogue() -> dict[str, Any]:
    """`GET /api/v1/models` body (see the module docstring)."""
    data = []
    for model, (inp, out, cache, context, max_out) in MODELS.items():
        features = [f for f in _FEATURES if f != "thinking" or thinks_by_default(model)]
        if "image" in model:
            features = ["image_generation", "thinking"]
        data.append(
            {
                "model_id": model,
                "developer": "google",
                "desc": f"Google {model} via AiHubMix",
                "types": "llm",
                "pricing": {"input": inp, "output": out, "cache_read": cache},
                "context_length": context,
                "max_output": max_out,
                "input_modalities": _MEDIA,
                "features": features,
                "endpoints": [
                    "/v1/chat/completions",
                    "/gemini/v1beta/models/{model}:generateContent",
                ],
            }
        )
    return {"success": True, "data": data}
