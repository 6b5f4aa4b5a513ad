"""Model output is untrusted text: take the answer and the reasoning out of whatever wrapping
the model chose (<think> blocks, <RESPONSE> tags, code fences) without ever raising."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ValidationError

from paper_summarizer.errors import first_line
from paper_summarizer.state import Usage

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_RESPONSE = re.compile(r"<RESPONSE>(.*?)(?:</RESPONSE>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[\w-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
M = TypeVar("M", bound=BaseModel)


def text_of(message: BaseMessage) -> str:
    content: Any = message.content
    if isinstance(content, str):
        return content
    # Some providers return content blocks; keep the text ones.
    return "".join(
        b if isinstance(b, str) else str(b.get("text", ""))
        for b in content
        if isinstance(b, str) or b.get("type") == "text"
    )


def split_reply(message: BaseMessage) -> tuple[str, str]:
    """(answer, reasoning). Reasoning comes from DeepSeek's reasoning_content or <think> blocks."""
    text = text_of(message)
    reasoning = [str(message.additional_kwargs.get("reasoning_content") or "").strip()]
    reasoning += [m.strip() for m in _THINK.findall(text)]
    text = _THINK.sub("", text)
    tagged = _RESPONSE.findall(text)
    if tagged:
        text = tagged[-1]
    text = text.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    return text, "\n\n".join(r for r in reasoning if r)


def usage_of(message: BaseMessage) -> Usage:
    meta: Any = getattr(message, "usage_metadata", None) or {}
    details = meta.get("output_token_details") or {}
    return Usage(
        input_tokens=int(meta.get("input_tokens") or 0),
        output_tokens=int(meta.get("output_tokens") or 0),
        reasoning_tokens=int(details.get("reasoning") or 0),
    )


def add_usage(*usages: Usage) -> Usage:
    return Usage(
        input_tokens=sum(u["input_tokens"] for u in usages),
        output_tokens=sum(u["output_tokens"] for u in usages),
        reasoning_tokens=sum(u["reasoning_tokens"] for u in usages),
    )


def parse_json(text: str, model: type[M]) -> M:
    """The JSON object in a reply (whatever surrounds it) as `model`. Raises ValueError, saying
    what is wrong in one line, for a reply to send back."""
    match = _JSON_OBJECT.search(text)
    if not match:
        raise ValueError("no JSON object in the reply")
    try:
        return model.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(first_line(str(exc)) or type(exc).__name__) from exc
