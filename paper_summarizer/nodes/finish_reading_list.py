"""finish_reading_list: the reading list's result, written into the state: the overview, each
paper's result or error, the digest, and the totals. Every path to END passes here, so Studio,
the SDK and Python get the same answer."""

from __future__ import annotations

from typing import Any

from paper_summarizer import outputs
from paper_summarizer.replies import add_usage
from paper_summarizer.state import NO_OVERVIEW, ReadingListResult, ReadingListState, listed_papers


def finish_reading_list(state: ReadingListState) -> dict[str, Any]:
    papers = listed_papers(state)
    overview = state.get("synthesis")
    results = [p["result"] for p in papers if p["result"] is not None] + ([overview] if overview else [])
    costs = [r["cost_usd"] for r in results if r["cost_usd"] is not None]
    entries = [
        outputs.digest_entry(p["source"], error=p["error"])
        if p["result"] is None
        else outputs.digest_entry(p["source"], p["result"], status=p["result"]["status"], rounds=p["result"]["rounds"])
        for p in papers
    ]
    result = ReadingListResult(
        status=overview["status"] if overview else NO_OVERVIEW,
        overview=overview["markdown"] if overview else "",
        synthesis=overview,
        papers=papers,
        digest=outputs.digest_markdown(entries),
        usage=add_usage(*[r["usage"] for r in results]),
        cost_usd=round(sum(costs), 6) if costs else None,
        rounds=sum(r["rounds"] for r in results),
    )
    return {"result": result}
