"""A reading list in one graph (reading_list.py): every paper summarized by the summarizer graph
at once, then one overview across them, judged like a summary; scripted models only."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from paper_summarizer import models
from paper_summarizer.context import Context
from paper_summarizer.reading_list import build_reading_list_graph
from paper_summarizer.runs import ListRun
from paper_summarizer.state import NO_OVERVIEW
from tests.factories import LIST_TITLES, list_summary, overview, write_reading_list
from tests.fakes import Answering
from tests.scripted_server import verdict_json

CTX = Context(model="writer", evaluator_model="judge", min_words=100)
Answer = Callable[[str, str], str]  # (role, request) -> reply


def paper_of(request: str) -> str:
    """Which paper a request is about ('1', '2', '3'), or 'overview'."""
    if "reading list" in request:
        return "overview"
    return next(str(n) for n, title in enumerate(LIST_TITLES, 1) if f"# {title}\n" in request)


def writer(overviews: list[str] | None = None) -> Answer:
    """Each paper's passing summary; the overviews in turn (the last repeats)."""
    written: list[str] = []

    def answer(role: str, request: str) -> str:
        if paper_of(request) != "overview":
            return list_summary(LIST_TITLES[int(paper_of(request)) - 1])
        written.append(request)
        replies = overviews or [overview()]
        return replies[min(len(written), len(replies)) - 1]

    return answer


def passing_judge(role: str, request: str) -> str:
    return verdict_json("PASS", n_criteria=6)  # an overview has six criteria, a summary four


@pytest.fixture
def models_answering(monkeypatch: pytest.MonkeyPatch) -> Callable[[Answer, Answer], dict[str, Answering]]:
    def use(write: Answer, judge: Answer) -> dict[str, Answering]:
        fakes = {
            "writer": Answering(messages=iter([]), answer=write),
            "judge": Answering(messages=iter([]), answer=judge),
        }
        monkeypatch.setattr(models, "load", lambda name, base_url="", max_tokens=0: fakes[name])
        return fakes

    return use


def run_list(sources: list[str], **ctx: Any) -> dict[str, Any]:
    graph = build_reading_list_graph(InMemorySaver(), InMemoryStore())
    config: Any = {"configurable": {"thread_id": "list"}}
    context = Context(**{**vars(CTX), **ctx})
    out = asyncio.run(graph.ainvoke({"sources": sources, "topic": "Are gates worth it?"}, config, context=context))
    return dict(out["result"])


def test_three_papers_and_a_bad_source_give_three_summaries_an_error_and_an_overview_of_all_three(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path
) -> None:
    fakes = models_answering(writer(), passing_judge)
    sources = [*write_reading_list(tmp_path), str(tmp_path / "missing.pdf")]
    result = run_list(sources)

    papers = result["papers"]
    assert [p["source"] for p in papers] == sources and [p["index"] for p in papers] == [1, 2, 3, 4]
    assert [p["result"]["title"] for p in papers[:3]] == LIST_TITLES
    assert all(p["result"]["status"] == "passed" and p["error"] == "" for p in papers[:3])
    assert papers[3]["result"] is None and papers[3]["error"].startswith("no such file:")

    assert result["status"] == "passed"
    assert all(f"[{n}]" in result["overview"] for n in (1, 2, 3)) and "[4]" not in result["overview"]
    assert result["overview"].startswith("# Gated Judges, Writers and Readers for Summaries Compared\n")
    assert "\n---\n\n*Summary written by writer; judged by judge" in result["overview"]  # a summary's footer
    assert "*Checked against the summaries of the 3 papers" in result["overview"]
    # The overview was written from the three summaries, each under its number.
    request = str(fakes["writer"].prompts[-1][-1].content)
    assert all(f"## [{n}] {title}\n" in request for n, title in enumerate(LIST_TITLES, 1))
    assert "Are gates worth it?" in request and "[1], [2] and [3]" in request

    # The digest, as the CLI writes digest.md: every paper in order, the failed one with its error.
    digest = result["digest"].split("\n## ")[1:]
    assert [d.split("\n")[0] for d in digest] == [
        *(f"{n}. {t}" for n, t in enumerate(LIST_TITLES, 1)),
        f"4. {sources[3]}",
    ]
    assert "Status: passed (1 rounds)" in digest[0] and "Failed: no such file" in digest[3]

    # The totals: each paper's round and the overview's; every writer and judge call's tokens.
    assert result["rounds"] == 4 and result["synthesis"]["rounds"] == 1
    calls = len(fakes["writer"].prompts) + len(fakes["judge"].prompts)
    assert calls == 8
    assert result["usage"] == {"input_tokens": 10 * calls, "output_tokens": 5 * calls, "reasoning_tokens": 0}
    assert result["cost_usd"] is None


@pytest.mark.parametrize(
    ("first", "named"),
    [
        (overview(cited=(1, 2)), ["does not cite [3] Gated Readers for Summaries"]),
        (overview(number="73%"), ["73%", "is not in the summary of [1] or [2] or [3]"]),
    ],
    ids=["leaves out a paper", "a number no summary states"],
)
def test_an_overview_that_fails_its_gates_does_not_pass_and_the_feedback_names_why(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path, first: str, named: list[str]
) -> None:
    fakes = models_answering(writer([first, overview()]), passing_judge)
    result = run_list(write_reading_list(tmp_path), max_iterations=2)

    attempts = result["synthesis"]["attempts"]
    verdict = attempts[0]["verdict"]
    assert verdict["evaluation"] == "NEEDS_IMPROVEMENT" and verdict["judge_model"] == ""  # the gates stopped it
    assert all(text in verdict["feedback"] for text in named)
    # The summarizer's loop: the feedback goes back to the writer, and the next round passes.
    revision = str(fakes["writer"].prompts[-1][-1].content)
    assert all(text in revision for text in named) and "reading list" in revision
    assert attempts[1]["verdict"]["evaluation"] == "PASS" and result["status"] == "passed"


def test_an_overview_that_never_passes_reaches_the_cap_and_keeps_its_best_round(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path
) -> None:
    models_answering(writer([overview(cited=(1, 2))]), passing_judge)
    result = run_list(write_reading_list(tmp_path), max_iterations=2)
    assert result["status"] == "cap reached" and result["synthesis"]["failing"] == ["cites_every_paper"]
    assert "Did not pass within 2 rounds" in result["overview"]


def test_a_list_with_one_readable_paper_has_no_overview(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path
) -> None:
    fakes = models_answering(writer(), passing_judge)
    result = run_list([write_reading_list(tmp_path)[0], str(tmp_path / "missing.pdf")])
    assert result["status"] == NO_OVERVIEW and result["overview"] == "" and result["synthesis"] is None
    assert result["papers"][0]["result"]["status"] == "passed" and result["rounds"] == 1
    assert all(paper_of(str(p[-1].content)) == "1" for p in fakes["writer"].prompts)


def _calls(fakes: dict[str, Answering]) -> list[tuple[str, str]]:
    """(paper, kind) of every call so far: writer, judge, or fact (key facts and fact-checks)."""
    asked: list[tuple[str, list[BaseMessage]]] = [
        *(("writer", p) for p in fakes["writer"].prompts),
        *(("judge", p) for p in fakes["judge"].prompts),
        *(("fact", p) for p in fakes["judge"].fact_prompts),
    ]
    return [(paper_of(str(next(m for m in p if m.type == "human").content)), kind) for kind, p in asked]


def test_a_crash_in_the_second_paper_resumes_without_asking_for_the_first_again(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path
) -> None:
    """Paper 2 needs two rounds; its second writer call fails once (as a killed process would
    stop there), after paper 1 is done. The list resumed through the public API on its thread
    (the same SQLite file) asks nothing more about paper 1, and paper 2 goes on at its round 2."""
    crashed = threading.Event()
    fakes: dict[str, Answering] = {}
    summarize = writer()

    def write(role: str, request: str) -> str:
        if paper_of(request) == "2" and "A reviewer checked an earlier summary" in request and not crashed.is_set():
            deadline = time.monotonic() + 30
            while _calls(fakes).count(("1", "fact")) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # paper 1's key facts and fact-check are in: it has nothing left to ask
            time.sleep(0.5)
            crashed.set()
            raise RuntimeError("killed in the middle of paper 2")
        return summarize(role, request)

    def judge(role: str, request: str) -> str:
        first_round = paper_of(request) == "2" and _calls(fakes).count(("2", "judge")) == 1  # this call is recorded
        return (
            verdict_json("NEEDS_IMPROVEMENT", "Explain the gates better.")
            if first_round
            else passing_judge(role, request)
        )

    fakes.update(models_answering(write, judge))
    sources = write_reading_list(tmp_path)

    from paper_summarizer import resume, synthesize

    db, out = str(tmp_path / "list.sqlite"), tmp_path / "out"
    with pytest.raises(RuntimeError, match="killed in the middle of paper 2"):
        synthesize(sources, "", CTX, checkpoint_db=db, thread_id="list", output_dir=out)
    before = Counter(_calls(fakes))
    resumed = resume("list", checkpoint_db=db)  # the list's own thread: the driver goes on from its checkpoint
    after = Counter(_calls(fakes)) - before
    assert isinstance(resumed, ListRun) and resumed.result is not None and resumed.overview_path is not None
    result = resumed.result
    assert crashed.is_set()
    assert [call for call in after if call[0] == "1"] == []
    # Paper 2 resumed inside its own subgraph: its round 1 was not written or judged again.
    assert after[("2", "writer")] == 1 and after[("2", "judge")] == 1
    revision = next(str(p[-1].content) for p in fakes["writer"].prompts[::-1] if paper_of(str(p[-1].content)) == "2")
    assert "Explain the gates better." in revision
    assert [p["result"]["rounds"] for p in result["papers"]] == [1, 2, 1]
    assert result["status"] == "passed" and all(f"[{n}]" in result["overview"] for n in (1, 2, 3))


def test_the_graph_view_shows_each_paper_s_summarizer_and_the_synthesis_loop() -> None:
    from paper_summarizer.reading_list import reading_list

    nodes = set(reading_list.get_graph(xray=1).nodes)
    assert {"summarize_paper:fetch", "summarize_paper:evaluate", "synthesize:generate", "synthesize:evaluate"} <= nodes
    assert {"synthesize:finalize", "finish"} <= nodes
    schema = reading_list.get_input_jsonschema()
    assert set(schema["properties"]) == {"sources", "topic", "uploads"} and schema["required"] == ["sources"]


def test_synthesize_runs_a_list_on_a_checkpoint_file_and_writes_its_files(
    models_answering: Callable[[Answer, Answer], dict[str, Answering]], tmp_path: Path
) -> None:
    """The Python API and the CLI's --synthesis: one run of the list graph on one thread, then
    each paper's files, digest.md linking them, and synthesis.md with its report."""
    from paper_summarizer import synthesize

    models_answering(writer([overview(cited=(1, 2))]), passing_judge)
    db = str(tmp_path / "list.sqlite")
    run = synthesize(
        write_reading_list(tmp_path)[:2], "", CTX, checkpoint_db=db, thread_id="t1", output_dir=tmp_path / "out"
    )
    assert run.result is not None and run.status == "passed" and [p["index"] for p in run.result["papers"]] == [1, 2]
    assert run.result["overview"].startswith("# Gated Judges, Writers and Readers")
    assert "(paper-summarizer, thread t1)" in run.result["overview"]
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "synthesis.md" in written and "synthesis.report.json" in written and "digest.md" in written
    assert len([name for name in written if name.endswith(".summary.md")]) == 2
    digest = (tmp_path / "out" / "digest.md").read_text()
    assert all(f"[summary]({p.summary_path.name})" in digest for p in run.papers if p.summary_path)
    assert (tmp_path / "out" / "synthesis.md").read_text() == run.result["overview"].rstrip("\n") + "\n"
