"""OpenAI route (stub)."""
from typing import Any
def handle(ex: Any, state: Any) -> Any:
    raise NotImplementedError
