"""review: with human_review on, a person approves the summary or sends it back with feedback.
Only an explicit approval approves; an answer that is neither approval nor feedback is asked
again, with the reason, rather than guessed."""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from paper_summarizer.state import State, Verdict

APPROVALS = ("approve", "approved", "ok", "yes", "lgtm")
HOW_TO_ANSWER = (
    "resume with 'approve' (or {'action': 'approve'}) to accept it, or with your feedback as text "
    "(or {'action': 'revise', 'feedback': '...'}) for another round"
)


def reading(answer: Any) -> tuple[str, str]:
    """('approve', '') or ('revise', feedback) or ('unclear', why)."""
    if isinstance(answer, dict):
        action = str(answer.get("action", "")).strip().lower()
        feedback = str(answer.get("feedback", "") or "").strip()
        if action == "approve":
            return "approve", ""
        if action in ("", "revise", "reject") and feedback:
            return "revise", feedback
        return "unclear", f"{answer!r} is neither an approval nor feedback"
    text = str(answer or "").strip()
    if text.lower().rstrip(".!") in APPROVALS:
        return "approve", ""
    if text:
        return "revise", text
    return "unclear", "an empty answer is neither an approval nor feedback"


async def review(state: State) -> dict[str, Any]:
    attempt = state["attempts"][-1]
    verdict = attempt["verdict"]
    question: dict[str, Any] = {
        "round": attempt["round"],
        "summary": state.get("summary", ""),
        "verdict": verdict["evaluation"],
        "feedback": verdict["feedback"],
        "how_to_answer": HOW_TO_ANSWER,
    }
    action, text = reading(interrupt(question))
    while action == "unclear":
        action, text = reading(interrupt({**question, "problem": f"{text}; {HOW_TO_ANSWER}"}))
    reviewed = Verdict(**verdict)
    if action == "approve":
        reviewed["evaluation"] = "PASS"
        return {"attempts": [{"round": attempt["round"], "review": "approved", "verdict": reviewed}]}
    # The reviewer's words lead; the judge's open points follow unless the judge had passed it.
    points = f"- A human reviewer wrote: {text}"
    if verdict["evaluation"] != "PASS":
        points += f"\n{verdict['feedback']}"
    reviewed["evaluation"] = "NEEDS_IMPROVEMENT"
    reviewed["feedback"] = points
    return {"attempts": [{"round": attempt["round"], "review": text, "verdict": reviewed}]}
