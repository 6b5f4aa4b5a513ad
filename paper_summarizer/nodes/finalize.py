"""finalize: the run's result, written into the state. Every path to END passes here, so Studio,
the SDK, `graph.invoke` and the CLI all end with the same answer: the best attempt (not merely
the last), its status, what it still fails, who wrote and who checked it, and the tokens spent."""

from __future__ import annotations

import base64
import json
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from paper_summarizer import claims, evidence, figure_markers, models, prompts, quality, texts, verdicts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import run_usage, store_of
from paper_summarizer.state import Attempt, Result, State, Status


async def finalize(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    paper = state["paper"]
    attempts = state.get("attempts") or []
    best = verdicts.best_attempt(attempts, len(prompts.criteria(ctx)))
    if best is None:  # the router only comes here after a verdict; a guard, not a path
        raise ValueError("finalize needs at least one judged attempt")
    verdict = best["verdict"]
    passed = verdict["evaluation"] == "PASS"
    condense_usage, usage = run_usage(state)
    cost = None
    if ctx.input_price or ctx.output_price:
        cost = round((usage["input_tokens"] * ctx.input_price + usage["output_tokens"] * ctx.output_price) / 1e6, 6)
    summary = await texts.get(store, best.get("summary_key", ""))
    record = json.loads(await texts.get(store, verdict.get("claims_key", "")) or "{}")
    paper_text, where = await library.located_text(store, paper)
    result = Result(
        status=Status.PASSED.value if passed else Status.CAP_REACHED.value,
        title=paper["title"],
        name=paper["name"],
        tldr=quality.tldr_of(summary),
        summary=summary,
        markdown="",
        best_round=best["round"],
        rounds=len(attempts),
        failing=[] if passed else verdicts.failures(verdict),
        writer=models.display_name(best.get("model", "")),
        checked_by=checked_by(best),
        notice=paper.get("notice", ""),
        left_out=paper.get("left_out", ""),
        usage=usage,
        condense_usage=condense_usage,
        cost_usd=cost,
        claims=[_readable_claim(c, paper_text, where) for c in record.get("claims", [])],
        key_facts=record.get("facts", []),
        attempts=[await _readable(store, a) for a in attempts],
        figures=[],
    )
    thread_id = str((get_config().get("configurable") or {}).get("thread_id", ""))
    shown = claims.with_sources(summary, record.get("claims", []), where) if ctx.sources else summary
    # Each marker of a real figure becomes its image and the paper's caption; the others go.
    placed = figure_markers.place(shown, await library.figures(store, paper), paper["name"], ctx.max_figures)
    result["figures"] = [_figure_entry(figure, paper["name"]) for figure in placed.used]
    result["markdown"] = (
        placed.markdown.rstrip() + "\n\n---\n\n" + "\n".join(f"*{line}*  " for line in footer(result, thread_id))
    )
    return {"result": result}


def _figure_entry(figure: Any, name: str) -> dict[str, Any]:
    """A figure the summary shows, as its result carries it: where the summary links it, where it
    is in the paper, its caption, and the PNG itself (at most 200 KB, in base64) for clients that
    write `<name>.figures/` (the CLI, a --server client)."""
    return {
        "label": figure.label, "file": f"{name}.figures/{figure_markers.file_name(figure)}", "page": figure.page,
        "caption": figure.caption, "png_base64": base64.b64encode(figure.png).decode("ascii"),
    }  # fmt: skip


def _readable_claim(claim: dict[str, Any], paper: str, where: evidence.Locator) -> dict[str, Any]:
    """A sentence as the report shows it: the judge's answer, and its evidence with where it is."""
    return {
        "sentence": claim["text"],
        "verdict": claim["verdict"],
        "reason": claim["reason"],
        "evidence": [
            {
                "where": where.cite(e["section"], e["start"]),
                "text": claims.excerpt(paper, e),
            }
            for e in claim["evidence"]
        ],
    }


def checked_by(attempt: Attempt) -> str:
    """What checked this attempt, truthfully: a round stopped at a code gate never reached a judge."""
    verdict = attempt["verdict"]
    who = (
        f"judged by {models.display_name(verdict['judge_model'])}"
        if verdict["judge_model"]
        else "checked by the code gates only (a gate failed, so no judge was asked)"
    )
    if verdict["judge_model"] and verdict["judge_model"] == attempt.get("model"):
        # Judges favour their own text: a reader should know this one judged its own.
        who += " (the writer's own model: a judge from another model family is more independent)"
    if attempt.get("review") == "approved":
        who += " and approved by a human reviewer"
    return who


def footer(result: Result, thread_id: str) -> list[str]:
    run = f"paper-summarizer, thread {thread_id}" if thread_id else "paper-summarizer"
    lines = [f"Summary written by {result['writer']}; {result['checked_by']} ({run})."]
    if result["status"] == Status.PASSED:
        lines.append(f"Passed every check on round {result['best_round']} of {result['rounds']}.")
    else:
        lines.append(
            f"Did not pass within {result['rounds']} rounds; this is the best attempt (round "
            f"{result['best_round']}); still failing: {'; '.join(result['failing'])}."
        )
    if result["claims"]:
        supported = sum(1 for c in result["claims"] if c["verdict"] == "supported")
        line = f"{supported} of its {len(result['claims'])} sentences were checked against the paper and supported"
        if result["key_facts"]:
            conveyed = sum(1 for f in result["key_facts"] if f["conveyed"])
            line += f"; it conveys {conveyed} of the paper's {len(result['key_facts'])} key facts"
        lines.append(line + " (see the report).")
    if result["notice"]:
        lines.append(result["notice"])
    if result["left_out"]:
        lines.append(result["left_out"])
    return lines


async def _readable(store: Any, attempt: Attempt) -> dict[str, Any]:
    """An attempt as the report shows it: texts spelled out, store keys left out."""
    return {k: v for k, v in (await texts.with_texts(store, attempt)).items() if not k.endswith("_key")}
