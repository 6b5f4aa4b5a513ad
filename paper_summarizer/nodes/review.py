"""review: with human_review on, a person approves the summary or sends it back with feedback."""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from paper_summarizer.state import State, Verdict


def review(state: State) -> dict[str, Any]:
    attempt = state["attempts"][-1]
    verdict = attempt["verdict"]
    answer = interrupt(
        {
            "round": attempt["round"],
            "summary": state.get("summary", ""),
            "verdict": verdict["evaluation"],
            "feedback": verdict["feedback"],
            "how_to_answer": "resume with 'approve', or with your feedback as text",
        }
    )
    text = str(answer.get("feedback", "") if isinstance(answer, dict) else answer).strip()
    approved = text.lower() in ("approve", "approved", "ok", "yes", "")
    if isinstance(answer, dict) and answer.get("action") == "approve":
        approved = True
    reviewed = Verdict(**verdict)
    if approved:
        reviewed["evaluation"] = "PASS"
    else:
        reviewed["evaluation"] = "NEEDS_IMPROVEMENT"
        reviewed["feedback"] = f"- {text}\n{verdict['feedback']}"
    return {"attempts": [{"round": attempt["round"], "review": "approved" if approved else text, "verdict": reviewed}]}
