"""A small MCP server (stdio) whose tools use the schema features Gemini refuses.

Run by `test_mcp_tools.py` through langchain-mcp-adapters; each tool answers with
the Python types of the arguments it received, so the test sees what arrived.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from mcp.server.fastmcp import FastMCP
from pydantic import BaseModel, Field

server = FastMCP("hard-schemas")

LONG_NAME = (
    "kg/create-entities.with_a_name_far_longer_than_the_sixty_four_gemini_allows"
)


class Entity(BaseModel):
    name: str = Field(description="the entity's name")
    kind: Literal["person", "place"]
    observations: list[str] = []


class Node(BaseModel):
    label: str
    children: list[Node]


@server.tool(name=LONG_NAME, description="Create entities in the knowledge graph.")
def create_entities(
    entities: list[Entity],
    priority: Literal[1, 2, 3],
    meta: dict[str, Any],
    note: Optional[str] = None,  # noqa: UP045 - the spelling MCP servers use
) -> str:
    kinds = sorted({e.kind for e in entities})
    return f"created {len(entities)} {kinds} priority={priority!r} meta={meta!r}"


@server.tool(name="tree.walk", description="Walk a tree of nodes.")
def walk(root: Node, depth: int = 1) -> str:
    return f"walked {root.label} with {len(root.children)} children, depth={depth!r}"


if __name__ == "__main__":
    server.run("stdio")
