"""langchain-tests' standard unit suite, once per route."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_aihubmix import ChatAiHubMixGemini


class TestNativeRouteStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatAiHubMixGemini]:
        return ChatAiHubMixGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-2.5-flash", "api_key": "sk-test-native"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"AIHUBMIX_API_KEY": "sk-from-env", "AIHUBMIX_BASE_URL": "http://gw.test"},
            {"model": "gemini-2.5-flash"},
            {"api_key": "sk-from-env", "base_url": "http://gw.test"},
        )


class TestOpenAIRouteStandard(TestNativeRouteStandard):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "gemini-2.5-flash",
            "api_key": "sk-test-openai",
            "transport": "openai",
        }
