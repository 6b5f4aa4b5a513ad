"""LangChain's fake chat model, recording its prompts, standing in for the writer and the judge."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from tests.scripted_server import fact_check_json, key_facts_json, role_of_request


class RecordingFake(GenericFakeChatModel):
    """Replies from a list and keeps every prompt it was sent. A judge's key-fact and fact-check
    requests get the scripted server's default answers (every sentence supported) and are kept
    apart in `fact_prompts`, unless `fact_replies` scripts them."""

    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    fact_prompts: list[list[BaseMessage]] = Field(default_factory=list)
    fact_replies: list[Any] | None = None  # replies, or functions of the request to a reply

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        first = next((m for m in messages if m.type == "human"), None)
        role = role_of_request(str(first.content)) if first is not None else "writer"
        if role in ("reader", "fact-checker"):
            self.fact_prompts.append(list(messages))
            if self.fact_replies:
                reply = self.fact_replies.pop(0)
                content = reply(str(first.content)) if callable(reply) else reply
            else:
                content = key_facts_json() if role == "reader" else fact_check_json(str(first.content))
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content))])
        self.prompts.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def script(fakes: dict[str, RecordingFake], name: str, replies: list[str]) -> RecordingFake:
    fake = RecordingFake(messages=iter([AIMessage(r) for r in replies]), prompts=[])
    fakes[name] = fake
    return fake


class Answering(RecordingFake):
    """A writer or judge that answers each request by what it asks: `answer(role, request)` gives
    the reply's text ('writer' or 'reviewer', and the first user message). Key-fact and
    fact-check requests get RecordingFake's answers. Each reply reports `usage` tokens."""

    answer: Any = None
    usage: dict[str, int] = Field(default_factory=lambda: {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        first = next(m for m in messages if m.type == "human")
        role = role_of_request(str(first.content))
        if role in ("reader", "fact-checker"):
            return super()._generate(messages, *args, **kwargs)
        self.prompts.append(list(messages))
        reply = AIMessage(self.answer(role, str(first.content)), usage_metadata=self.usage)
        return ChatResult(generations=[ChatGeneration(message=reply)])
