"""The dev server's floor for server_throughput.py: a graph shaped like a paper's run that passes
at round 2 (fetch, four model calls of 0.5 s, finalize) but does nothing else. Whatever it takes
beyond 2 s a run is the server's and the client's own cost, not the summarizer's."""

from __future__ import annotations

import asyncio
from typing import TypedDict

from langgraph.graph import END, START, StateGraph

LATENCY = 0.5


class State(TypedDict, total=False):
    source: str
    steps: int


async def step(state: State) -> State:
    return {"steps": state.get("steps", 0) + 1}


async def model_call(state: State) -> State:
    await asyncio.sleep(LATENCY)
    return {"steps": state.get("steps", 0) + 1}


builder = StateGraph(State)
builder.add_node("fetch", step)
builder.add_node("generate", model_call)
builder.add_node("evaluate", model_call)
builder.add_node("generate_again", model_call)
builder.add_node("evaluate_again", model_call)
builder.add_node("finalize", step)
builder.add_edge(START, "fetch")
builder.add_edge("fetch", "generate")
builder.add_edge("generate", "evaluate")
builder.add_edge("evaluate", "generate_again")
builder.add_edge("generate_again", "evaluate_again")
builder.add_edge("evaluate_again", "finalize")
builder.add_edge("finalize", END)
graph = builder.compile()
