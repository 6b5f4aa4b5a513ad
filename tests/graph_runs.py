"""The graph's nodes are async: these run its async API to completion inside a sync test."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.types import StateSnapshot

from paper_summarizer.graph import Graph

T = TypeVar("T")


def awaited(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def invoke(graph: Graph, run_input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
    return awaited(graph.ainvoke(run_input, config, **kwargs))


def stream_updates(graph: Graph, run_input: Any, config: RunnableConfig, **kwargs: Any) -> list[Any]:
    async def collect() -> list[Any]:
        return [chunk async for chunk in graph.astream(run_input, config, stream_mode="updates", **kwargs)]

    return awaited(collect())


def state_of(graph: Graph, config: RunnableConfig) -> StateSnapshot:
    return awaited(graph.aget_state(config))
