"""Attempt texts (summaries, reasoning) kept once in the store under their SHA-256. A checkpoint
copies the whole state, so a state that held every attempt's text would grow by all of them at
every step; holding keys keeps growth per round small and flat."""

from __future__ import annotations

import hashlib
from typing import Any

from langgraph.store.base import BaseStore

from paper_summarizer.state import Attempt

NAMESPACE = ("texts",)


async def put(store: BaseStore, text: str) -> str:
    if not text:
        return ""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    await store.aput(NAMESPACE, key, {"text": text}, index=False)
    return key


async def get(store: BaseStore, key: str) -> str:
    if not key:
        return ""
    item = await store.aget(NAMESPACE, key)
    return str(item.value["text"]) if item else ""


async def with_texts(store: BaseStore, attempt: Attempt) -> dict[str, Any]:
    """The attempt as a reader wants it: its summary and reasoning spelled out."""
    return {
        **attempt,
        "summary": await get(store, attempt.get("summary_key", "")),
        "reasoning": await get(store, attempt.get("reasoning_key", "")),
    }
