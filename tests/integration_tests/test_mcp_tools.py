"""Real MCP servers over stdio (langchain-mcp-adapters) in a `create_agent` agent.

The PyPI servers `mcp-server-fetch` and `mcp-server-git` and a small FastMCP server
whose tools have long, slashed names, integer enums, free-form maps, nested models
and required recursion: the emulator accepts their declarations as Gemini would,
and the agent's calls reach the servers under their own names, in their own types.
"""

from __future__ import annotations

import sys
from pathlib import Path

from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_mcp_adapters.client import MultiServerMCPClient

from langchain_aihubmix._options.tool_wire import wire_name
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.mcp_hard_server import LONG_NAME
from tests.support import ROUTES, MakeLLM

SERVER = Path(__file__).with_name("mcp_hard_server.py")


def _stdio(*args: str) -> dict[str, object]:
    return {"command": sys.executable, "args": list(args), "transport": "stdio"}


async def test_mcp_servers_in_an_agent(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    client = MultiServerMCPClient(
        {
            "hard": _stdio(str(SERVER)),
            "fetch": _stdio("-m", "mcp_server_fetch"),
            "git": _stdio("-m", "mcp_server_git"),
        }
    )
    tools = await client.get_tools()  # listed once (each start is a new process)
    assert {LONG_NAME, "tree.walk", "fetch", "git_status"} <= {t.name for t in tools}
    ask = f"call {wire_name(LONG_NAME)} then tree.walk one at a time, label: root"
    for transport in ROUTES:
        hub.reset()
        agent = create_agent(make_llm(transport, max_retries=0), tools)
        result = await agent.ainvoke({"messages": [HumanMessage(ask)]})
        ran = [m for m in result["messages"] if isinstance(m, ToolMessage)]
        assert [m.name for m in ran] == [LONG_NAME, "tree.walk"], transport
        assert all(m.status != "error" for m in ran), [m.content for m in ran]
        assert "priority=1 meta={'label': 'root'}" in ran[0].text  # a map: free pairs
        assert "walked root" in ran[1].text and "depth=1" in ran[1].text
        assert len(hub.requests) == 3  # two tool steps, then the answer
