"""A LangGraph tool-calling agent (StateGraph + ToolNode) on either route.

    python examples/langgraph_agent.py                 # native route
    python examples/langgraph_agent.py openai          # OpenAI-compatible route

Offline against the bundled emulator, live when AIHUBMIX_API_KEY is set.
"""

from __future__ import annotations

import os
import sys

from _connect import connection
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_aihubmix import ChatAiHubMixGemini

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-3-flash-preview")


@tool
def get_weather(city: str) -> str:
    """Return today's weather for a city."""
    return f"sunny, 22 °C in {city}"


@tool
def get_time(tz: str) -> str:
    """Return the local time in a time zone."""
    return f"14:05 in {tz}"


def main() -> None:
    """Build the graph and run one multi-step question."""
    transport = "openai" if "openai" in sys.argv[1:] else "native"
    with connection() as conn:
        llm = ChatAiHubMixGemini(model=MODEL, transport=transport, **conn)
        bound = llm.bind_tools([get_weather, get_time])

        def agent(state: MessagesState) -> dict[str, list[BaseMessage]]:
            return {"messages": [bound.invoke(state["messages"])]}

        builder = StateGraph(MessagesState)
        builder.add_node("agent", agent)
        builder.add_node("tools", ToolNode([get_weather, get_time]))
        builder.add_edge(START, "agent")
        builder.add_conditional_edges("agent", tools_condition)
        builder.add_edge("tools", "agent")
        graph = builder.compile()

        question = (
            "First use get_weather for city: Paris, then get_time for tz: CET, "
            "one at a time, and summarise."
        )
        print(f"route={transport} model={MODEL}\nuser:  {question}")
        result = graph.invoke({"messages": [HumanMessage(question)]})
        for message in result["messages"][1:]:
            if isinstance(message, AIMessage) and message.tool_calls:
                for call in message.tool_calls:
                    print(f"model: call {call['name']}({call['args']})")
            elif isinstance(message, ToolMessage):
                print(f"tool:  {message.name} -> {message.text}")
            else:
                print(f"model: {message.text}")


if __name__ == "__main__":
    main()
