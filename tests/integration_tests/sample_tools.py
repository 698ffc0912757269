"""The small tools the integration tests offer the model."""

from __future__ import annotations

from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return f"sunny in {city}"


@tool
def get_time(tz: str) -> str:
    """Return the time in a time zone."""
    return f"12:00 in {tz}"
