"""One call checked and prepared for its route, and its replies as a `ChatResult`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel

from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._input.json_safety import check_conversation, check_json_options
from langchain_aihubmix._input.large_media import aplan
from langchain_aihubmix._input.media import (
    aresolve_media,
    check_inline_total,
    resolve_media,
)
from langchain_aihubmix._input.turn_rules import check_turns
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._options.model_rules import apply_rules
from langchain_aihubmix._options.resolve import (
    CallSettings,
    normalise_kwargs,
    resolve_call,
    typed_kwargs,
)
from langchain_aihubmix._options.tool_wire import WireTools, to_wire
from langchain_aihubmix._output.cost import price_message
from langchain_aihubmix.pricing import PriceTable
from langchain_aihubmix.profiles import Transport, default_transport

_Kwargs = dict[str, Any]


@dataclass(frozen=True)
class PreparedCall:
    """One call, ready for a route: the conversation, its options and settings."""

    conv: Conversation
    opts: CallOptions
    settings: CallSettings
    prices: PriceTable
    transport: Transport
    wire: WireTools  # tool calls back under the user's names and types

    def ready(self, conv: Conversation) -> PreparedCall:
        """This call with its media resolved, once within the inline limit."""
        check_inline_total(conv)
        return replace(self, conv=conv)


@dataclass(frozen=True)
class Preparer:
    """A model's calls prepared: fields, transport (None: the model's), media policy,
    prices (a live table reads the catalogue of `base_url`, the model's gateway)."""

    fields: Mapping[str, Any]
    transport: Transport | None
    media_fetch_timeout: float
    allow_private: bool
    prices: PriceTable
    base_url: str | list[str]
    model_type: type[BaseModel]  # whose fields' types check per-call options

    def plan(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: _Kwargs
    ) -> PreparedCall:
        """Validate options and normalise messages; no I/O (media URLs not fetched)."""
        stops = {} if stop is None else {"stop": stop}  # (the argument wins)
        kwargs = typed_kwargs(self.model_type, normalise_kwargs(kwargs) | stops)
        model = str(kwargs.get("model", self.fields["model"]))
        transport = self.transport or default_transport(model)
        options, settings = resolve_call(self.fields, kwargs, transport)
        conv = messages_to_conversation(messages)
        check_turns(conv)
        check_conversation(conv)
        check_json_options(options)
        conv, opts, wire = to_wire(
            conv, apply_rules(conv, options, transport), transport
        )
        return PreparedCall(conv, opts, settings, self.prices, transport, wire)

    def prepare(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: _Kwargs
    ) -> PreparedCall:
        """`plan`, then media URLs fetched, the 20 MB inline limit checked and the
        prices refreshed (a live table's read, when due)."""
        call = self.plan(messages, stop, kwargs)
        self.prices.refresh(self.base_url)
        return call.ready(resolve_media(call.conv, **self._media_policy()))

    async def aprepare(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: _Kwargs
    ) -> PreparedCall:
        """Async twin of `prepare`: neither downloads, large media nor a price read
        block the loop (`large_media.aplan`, `PriceTable.arefresh`)."""
        call = await aplan(lambda: self.plan(messages, stop, kwargs), messages)
        await self.prices.arefresh(self.base_url)
        return call.ready(await aresolve_media(call.conv, **self._media_policy()))

    def _media_policy(self) -> dict[str, Any]:
        return {
            "timeout": self.media_fetch_timeout,
            "allow_private": self.allow_private,
        }


def chat_result(replies: list[AIMessage], call: PreparedCall) -> ChatResult:
    """One generation per candidate, tool calls as the user named them, each priced
    (`response_metadata["cost"]`)."""
    model, prices = call.opts.model, call.prices
    priced = [price_message(call.wire.restore(r), model, prices) for r in replies]
    generations = [ChatGeneration(message=reply) for reply in priced]
    llm_output = {"model_name": priced[0].response_metadata.get("model_name")}
    return ChatResult(generations=generations, llm_output=llm_output)
