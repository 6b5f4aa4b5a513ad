"""Long papers are condensed part by part (in parallel) before the loop, in reading order, and
the output says so."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from pydantic import Field

from paper_summarizer import models, texts
from paper_summarizer.context import Context
from paper_summarizer.documents import budget
from paper_summarizer.graph import build_graph
from tests.factories import prose, summary
from tests.graph_runs import awaited, invoke, state_of, stream_updates
from tests.scripted_server import request_of, verdict_json

SECTIONS = ["Abstract", "1 Introduction", "2 Method", "3 Experiments", "4 Results", "5 Conclusion"]


class PromptFake(BaseChatModel):
    """Answers by looking at the prompt: notes for condense requests, else a summary or verdict."""

    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "prompt-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.prompts.append(list(messages))
        last = request_of(str(messages[-1].content))
        if last.startswith("You are condensing"):
            part = last.split("Part: ", 1)[1].split("\n", 1)[0]
            reply = f"Notes on {part}: the key claims, in 30 words. " + prose(30, len(part))
        elif last.startswith("Role: reviewer"):
            reply = verdict_json("PASS")
        else:
            reply = summary(150)
        usage = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply, usage_metadata=usage))])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> PromptFake:
    model = PromptFake()
    model.prompts = []
    monkeypatch.setattr(models, "load", lambda *a, **k: model)
    return model


def small_window(**extra: Any) -> Context:
    """A context too small for the long paper, so it must be condensed (or shortened)."""
    return Context(
        model="writer",
        min_words=100,
        context_window=3000,
        max_output_tokens=300,
        max_iterations=1,
        draft_mode="whole",  # a 3k window would otherwise draft section by section
        **extra,
    )


def long_paper(tmp_path: Path) -> Path:
    text = "# A Long Paper\n\n" + "\n\n".join(f"## {h}\n\n{prose(450, i)}" for i, h in enumerate(SECTIONS))
    path = tmp_path / "long.md"
    path.write_text(text)
    return path


def test_plan_parts_keeps_order_and_drops_references() -> None:
    text = (
        "# T\n\n"
        + "\n\n".join(f"## {h}\n\n{prose(450, i)}" for i, h in enumerate(SECTIONS))
        + "\n\n## References\n\n[1] x"
    )
    parts = budget.plan_parts(text, 1500, 2000)
    assert [p["index"] for p in parts] == list(range(len(parts))) and len(parts) >= 3
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(parts))
    assert "References" not in " ".join(p["heading"] for p in parts)
    assert all(p["end"] - p["start"] <= 1500 * budget.CHARS_PER_TOKEN for p in parts)


def test_long_paper_is_condensed_in_order_and_reported(fake: PromptFake, tmp_path: Path) -> None:
    store = InMemoryStore()
    graph = build_graph(InMemorySaver(), store)
    ctx = small_window()
    updates = stream_updates(
        graph, {"source": str(long_paper(tmp_path))}, {"configurable": {"thread_id": "t"}}, context=ctx
    )
    nodes = [next(iter(u)) for u in updates]
    n_parts = nodes.count("condense")
    assert (
        n_parts >= 3
        and nodes[:1] == ["fetch"]
        and nodes[1 + n_parts :] == ["assemble", "generate", "evaluate", "finalize"]
    )

    state = state_of(graph, {"configurable": {"thread_id": "t"}}).values
    paper = state["paper"]
    assert f"({n_parts} parts)" in paper["notice"] and "condensed" in paper["notice"]
    condensed = awaited(texts.get(store, paper["condensed_key"]))
    positions = [condensed.index(h) for h in SECTIONS]
    assert positions == sorted(positions)  # reading order, though parts finished in any order
    writer_prompt = next(p for p in fake.prompts if request_of(str(p[-1].content)).startswith("Role: writer"))
    paper_block = str(writer_prompt[-1].content).split("</paper>")[0]
    assert "Notes on A Long Paper; Abstract" in paper_block  # the writer reads the notes
    assert len(paper_block) < len(long_paper(tmp_path).read_text())


def test_condense_off_shortens_instead_and_says_so(fake: PromptFake, tmp_path: Path) -> None:
    graph = build_graph(InMemorySaver(), InMemoryStore())
    ctx = small_window(
        condense=False,
    )
    state = invoke(graph, {"source": str(long_paper(tmp_path))}, {"configurable": {"thread_id": "t"}}, context=ctx)
    assert "shortened to fit" in state["paper"]["notice"]
    assert not any(str(p[-1].content).startswith("You are condensing") for p in fake.prompts)


def test_key_facts_of_a_condensed_paper_come_from_its_parts_not_the_notes(
    fake: PromptFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paper_summarizer.evidence import Locator
    from paper_summarizer.nodes import fact_check
    from tests.scripted_server import key_facts_json

    text = long_paper(tmp_path).read_text()
    ctx = small_window()
    parts = budget.plan_parts(text, 1500, 2000)
    paper: Any = {"key": "k", "title": "A Long Paper", "parts": parts, "condensed_key": "notes"}
    monkeypatch.setattr(PromptFake, "_generate", _answer_key_facts(fake, key_facts_json()))
    facts, _, calls = awaited(
        fact_check.key_facts({"source": "long.md", "paper": paper}, ctx, InMemoryStore(), text, Locator())
    )
    assert calls == len(parts) >= 3
    # at most 15 facts in all, every part's result among them: a summary must carry the findings
    assert len(facts) == min(15, 3 * len(parts))
    assert sum(f["kind"] == "result" for f in facts) == len(parts)
    for part, prompt in zip(parts, fake.prompts, strict=True):
        read = str(prompt[-1].content).split("</paper>")[0]
        assert text[part["start"] : part["end"]].strip()[:200] in read and "Notes on" not in read
        assert f"(part {part['index'] + 1} of {len(parts)}" in request_of(str(prompt[-1].content))


def _answer_key_facts(fake: PromptFake, reply: str) -> Any:
    def generate(self: PromptFake, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        fake.prompts.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])

    return generate
