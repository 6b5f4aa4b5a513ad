"""LangChain's fake chat model, recording its prompts, standing in for the writer and the judge."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field


class RecordingFake(GenericFakeChatModel):
    """Replies from a list and keeps every prompt it was sent."""

    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.prompts.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def script(fakes: dict[str, RecordingFake], name: str, replies: list[str]) -> RecordingFake:
    fake = RecordingFake(messages=iter([AIMessage(r) for r in replies]), prompts=[])
    fakes[name] = fake
    return fake
