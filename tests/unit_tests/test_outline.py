"""A small model writes section by section into an outline that code builds from the paper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from pydantic import Field

from paper_summarizer import models, quality, section_plan
from paper_summarizer.context import Context
from paper_summarizer.graph import build_graph
from tests.factories import FINDINGS, paper_markdown, prose, write_paper
from tests.graph_runs import state_of, stream_updates
from tests.scripted_server import fact_check_json, key_facts_json, request_of, verdict_json


class SectionFake(BaseChatModel):
    """Writes each section from its request; adds an invented number and a repeated sentence."""

    prompts: list[str] = Field(default_factory=list)
    verdicts: list[str] = Field(default_factory=list)  # the judge's replies in turn; then PASS

    @property
    def _llm_type(self) -> str:
        return "section-fake"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        last = request_of(str(messages[-1].content))
        self.prompts.append(last)
        if last.startswith("Role: reviewer"):
            reply = self.verdicts.pop(0) if self.verdicts else verdict_json("PASS")
        elif last.startswith("Role: reader"):
            reply = key_facts_json()
        elif last.startswith("Role: fact-checker"):
            reply = fact_check_json(last)
        else:
            heading = last.split('for the section "', 1)[1].split('"', 1)[0]
            reply = (
                f"### Stray heading\n{prose(60, len(heading) * 7 + len(self.prompts))} This part is about {heading}. "
                "The method is 99.5% accurate. Every section says this sentence once too often."
            )
            if "Gates rejected 46%" in last:  # the part it summarizes holds the paper's results
                reply += " " + FINDINGS
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> SectionFake:
    model = SectionFake()
    monkeypatch.setattr(models, "load", lambda *a, **k: model)
    return model


def test_the_outline_takes_the_title_fixed_sections_and_the_papers_own_headings() -> None:
    plan = section_plan.plan(paper_markdown(), 500)
    assert plan[0]["level"] == 0 and "TL;DR" in plan[0]["heading"]  # the line under the title
    assert [(s["level"], s["heading"]) for s in plan][1:3] == [(2, "The problem"), (2, "The approach")]
    assert [s["heading"] for s in plan if s["level"] == 2] == section_plan.ORDER
    assert (3, "Method") in [(s["level"], s["heading"]) for s in plan]  # "## 2 Method", numbering dropped
    problem = plan[1]
    assert "Gates rejected 46%" in paper_markdown()[problem["start"] : problem["end"]]  # it reads the abstract


def test_a_small_model_writes_each_section_from_its_part_and_code_keeps_it_honest(
    fake: SectionFake, tmp_path: Path
) -> None:
    graph = build_graph(InMemorySaver(), InMemoryStore())
    ctx = Context(model="writer", min_words=100, max_iterations=1, draft_mode="outline")
    config: Any = {"configurable": {"thread_id": "t"}}
    updates = stream_updates(graph, {"source": str(write_paper(tmp_path))}, config, context=ctx)
    nodes = [next(iter(u)) for u in updates]
    n = nodes.count("write_section")
    assert nodes == ["fetch", "outline", *["write_section"] * n, "compose", "evaluate", "finalize"] and n >= 6
    summary = state_of(graph, config).values["result"]["summary"]
    assert summary.startswith("# Gated Judges for Summaries\n")  # the paper's real title
    assert "99.5%" not in summary  # a number the paper does not have is dropped with its sentence
    assert summary.count("Every section says this sentence once too often.") == 1
    assert "Stray heading" not in summary
    method = next(p for p in fake.prompts if '"Method"' in p)
    assert "Gates rejected 46%" not in method  # a section reads its own part, not the whole paper
    failing = [g for g in quality.gates(summary, paper_markdown(), min_words=100, min_sections=3) if not g["passed"]]
    assert failing == []


def test_each_section_is_written_for_the_runs_reader_and_in_its_language(fake: SectionFake, tmp_path: Path) -> None:
    """The outline path used to say "an undergraduate student" and nothing of the language, so
    `--model local --language German` wrote English paragraphs that the language gate failed."""
    graph = build_graph(InMemorySaver(), InMemoryStore())
    ctx = Context(
        model="writer", min_words=100, max_iterations=1, draft_mode="outline", language="German", audience="expert"
    )
    stream_updates(graph, {"source": str(write_paper(tmp_path))}, {"configurable": {"thread_id": "t"}}, context=ctx)
    sections = [p for p in fake.prompts if p.startswith("You are writing one section")]
    assert sections and all("Write in German." in p and "in German, for the section" in p for p in sections)
    asked = {p.split('for the section "', 1)[1].split('"', 1)[0] for p in sections}
    assert {"Das Problem", "Der Ansatz", "Die Ergebnisse", "Warum es wichtig ist"} <= asked  # headings in German
    assert all("Write for an expert in the field" in p and "undergraduate" not in p for p in sections)


def test_a_capped_outline_run_given_more_rounds_drafts_by_outline_again(fake: SectionFake, tmp_path: Path) -> None:
    """More rounds enter through the graph's START router, which picks the run's drafting path:
    the client used to jump to `generate`, a whole-summary round a small model cannot write."""
    from paper_summarizer import runner

    fake.verdicts = [verdict_json("NEEDS_IMPROVEMENT", "Say more about the results.")]
    db = str(tmp_path / "c.sqlite")
    ctx = Context(model="writer", min_words=100, max_iterations=1, draft_mode="outline")
    first = runner.summarize(str(write_paper(tmp_path)), ctx, checkpoint_db=db, output_dir=tmp_path)
    assert first.status == "cap reached" and first.rounds == 1
    sections = sum(p.startswith("You are writing one section") for p in fake.prompts)
    again = runner.resume(first.thread_id, checkpoint_db=db, overrides={"max_iterations": 2})
    assert again.status == "passed" and again.rounds == 2
    assert sum(p.startswith("You are writing one section") for p in fake.prompts) == 2 * sections
    assert not any(p.startswith("Role: writer") for p in fake.prompts)  # never a whole-summary round


def test_the_outlines_own_headings_follow_the_language_and_fall_back_to_english() -> None:
    chinese = [s["heading"] for s in section_plan.plan(paper_markdown(), 500, "Chinese") if s["level"] == 2]
    assert chinese == ["问题", "方法", "结果", "意义"]
    klingon = [s["heading"] for s in section_plan.plan(paper_markdown(), 500, "Klingon") if s["level"] == 2]
    assert klingon == section_plan.ORDER


def test_the_outline_shows_the_figure_that_overviews_the_method_under_its_approach(
    fake: SectionFake, tmp_path: Path
) -> None:
    """A small writer places no figure itself: the outline puts the first figure whose caption
    names the method or the overview (here "The pipeline, ...") after the approach section."""
    from tests.pdf_factory import make_figures_pdf

    make_figures_pdf(tmp_path / "figs.pdf")
    graph = build_graph(InMemorySaver(), InMemoryStore())
    ctx = Context(model="writer", min_words=100, max_iterations=1, draft_mode="outline")
    config: Any = {"configurable": {"thread_id": "t"}}
    stream_updates(graph, {"source": str(tmp_path / "figs.pdf")}, config, context=ctx)
    result = state_of(graph, config).values["result"]
    approach = result["markdown"].split("## The approach", 1)[1].split("\n## ", 1)[0]
    assert "![Figure 3: The pipeline, from the source to the summary.](figs.figures/figure-3.png)" in approach
    assert [f["label"] for f in result["figures"]] == ["Figure 3"]
    off = build_graph(InMemorySaver(), InMemoryStore())
    stream_updates(
        off, {"source": str(tmp_path / "figs.pdf")}, config, context=Context(**{**vars(ctx), "max_figures": 0})
    )
    assert "![Figure" not in state_of(off, config).values["result"]["markdown"]
