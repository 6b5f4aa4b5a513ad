"""Turning gate results and a judge's reply into one verdict, and verdicts into the next prompt
and the final choice. The judge's reply is parsed with Pydantic; nothing here calls a model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from paper_summarizer.replies import parse_json
from paper_summarizer.state import Attempt, Check, Evaluation, NumberCheck, Usage, Verdict

FEEDBACK_MAX_CHARS = 600
REASON_MAX_CHARS = 160


class CriterionResult(BaseModel):
    criterion: int = Field(description="Number of the criterion, from 1")
    # The reason comes first, so a model writing left to right commits to its evidence before
    # its decision. No length limit here: a wordy judge is truncated, not rejected.
    reason: str = ""
    passed: bool


class JudgeReply(BaseModel):
    """The judge's structured answer: evidence per criterion, never an overall verdict (code
    derives that from the criteria and the gates; any 'evaluation' a judge adds is ignored)."""

    criteria: list[CriterionResult] = Field(default_factory=list)
    about_this_paper: bool = True  # False: empty, not a summary, or about another paper
    feedback: str = ""


def judge_schema(n_criteria: int) -> dict[str, Any]:
    """JSON schema for providers that enforce one (OpenAI-compatible servers; llama.cpp turns it
    into a grammar). The length limits matter: without them a small model rambles until it hits
    max_tokens."""
    return {
        "type": "object",
        "properties": {
            "criteria": {
                "type": "array",
                "minItems": n_criteria,
                "maxItems": n_criteria,
                "items": {
                    "type": "object",
                    "properties": {
                        "criterion": {"type": "integer", "minimum": 1, "maximum": n_criteria},
                        "reason": {"type": "string", "maxLength": REASON_MAX_CHARS},
                        "passed": {"type": "boolean"},
                    },
                    "required": ["criterion", "reason", "passed"],
                },
            },
            "about_this_paper": {"type": "boolean"},
            "feedback": {"type": "string", "maxLength": FEEDBACK_MAX_CHARS},
        },
        "required": ["criteria", "about_this_paper", "feedback"],
    }


def parse_judge_reply(text: str, n_criteria: int) -> JudgeReply:
    """Raises ValueError, saying what is wrong, when the reply holds no usable verdict."""
    reply = parse_json(text, JudgeReply)
    if reply.about_this_paper and not reply.criteria and n_criteria:
        raise ValueError(f'"criteria" is empty: give one entry for each of the {n_criteria} criteria')
    return reply


def from_gates(gates: list[Check], grounding: list[NumberCheck], empty: bool) -> Verdict:
    """The verdict when a gate failed: the judge is not asked, which saves a call."""
    failed = [g["detail"] for g in gates if not g["passed"]]
    return _verdict("FAIL" if empty else "NEEDS_IMPROVEMENT", failed, gates, grounding, [], "", _no_usage())


def from_judge(
    reply: JudgeReply,
    criteria: list[str],
    gates: list[Check],
    grounding: list[NumberCheck],
    judge_model: str,
    usage: Usage,
    claims_key: str = "",
) -> Verdict:
    """The overall evaluation is derived here, not taken from the judge: PASS only when every
    gate and every criterion it was given passed; FAIL when the text is not a summary of this
    paper; otherwise NEEDS_IMPROVEMENT."""
    by_number = {c.criterion: c for c in reply.criteria}
    checks = []
    for n, text in enumerate(criteria, 1):
        got = by_number.get(n)
        checks.append(
            Check(
                name=text,
                passed=bool(got and got.passed),
                detail=(got.reason.strip() if got else "not assessed by the judge")[:REASON_MAX_CHARS],
            )
        )
    evaluation: Evaluation = "NEEDS_IMPROVEMENT"
    if not reply.about_this_paper:
        evaluation = "FAIL"
    elif all(c["passed"] for c in checks) and all(g["passed"] for g in gates):
        evaluation = "PASS"
    points = [] if evaluation == "PASS" else [reply.feedback.strip()[:FEEDBACK_MAX_CHARS]]
    if evaluation == "FAIL":
        points.append("the judge found that this is not a summary of this paper")
    points += [g["detail"] for g in gates if not g["passed"]]  # the claim and coverage checks
    points += [f"{c['name']} {c['detail']}" for c in checks if not c["passed"]]
    verdict = _verdict(evaluation, [p for p in points if p], gates, grounding, checks, judge_model, usage)
    return Verdict(**verdict, claims_key=claims_key) if claims_key else verdict


def _verdict(
    evaluation: Evaluation,
    points: list[str],
    gates: list[Check],
    grounding: list[NumberCheck],
    criteria: list[Check],
    judge_model: str,
    usage: Usage,
) -> Verdict:
    return Verdict(
        evaluation=evaluation,
        feedback="\n".join(f"- {p}" for p in points) or "All criteria met.",
        gates=gates,
        grounding=grounding,
        criteria=criteria,
        judge_model=judge_model,
        usage=usage,
    )


def _no_usage() -> Usage:
    return Usage(input_tokens=0, output_tokens=0, reasoning_tokens=0)


def failures(verdict: Verdict) -> list[str]:
    """Names of the gates and judged criteria that did not pass."""
    failed = [g["name"] for g in verdict["gates"] if not g["passed"]]
    failed += [c["name"] for c in verdict["criteria"] if not c["passed"]]
    if verdict["evaluation"] != "PASS" and not failed:
        failed.append("judge verdict " + verdict["evaluation"])
    return failed


# How much a failed check harms a reader, for choosing the best attempt: a summary that states
# what the paper does not, or is not about it, is worse than one with a grammar slip.
HARM = {
    "numbers": 100, "on_topic": 100, "claims": 100, "title_names_paper": 50, "names": 50, "markup": 50,
    "verbatim": 30, "key_facts": 30, "cited_numbers": 100, "cites_every_paper": 50,
    "coverage": 30, "filler": 20, "language": 20,
}  # fmt: skip
STRUCTURE_HARM, CRITERION_HARM, FAITHFUL_HARM = 10, 1, 100


def harm(name: str) -> int:
    """A failed gate's or judged criterion's weight (criteria are named by their text)."""
    if name in HARM:
        return HARM[name]
    if name.lower().startswith("faithful"):
        return FAITHFUL_HARM
    return CRITERION_HARM if " " in name else STRUCTURE_HARM


def _score(attempt: Attempt, n_criteria: int) -> int:
    # A round stopped at a gate never reached the judge: its judged criteria count as failed,
    # so an attempt that cleared the gates ranks above it.
    verdict = attempt.get("verdict")
    if verdict is None:
        return 1_000_000
    if verdict["evaluation"] == "PASS":
        return 0
    gate_harm = sum(harm(g["name"]) for g in verdict["gates"] if not g["passed"])
    judged = verdict["criteria"]
    crit_harm = sum(harm(c["name"]) for c in judged if not c["passed"]) if judged else n_criteria + 1
    rejected = 1 if attempt.get("review") not in (None, "approved") else 0  # a person sent it back
    return gate_harm + crit_harm + rejected + (100_000 if verdict["evaluation"] == "FAIL" else 0)


def best_attempt(attempts: list[Attempt], n_criteria: int) -> Attempt | None:
    """The least harm from failed checks; among equals, the latest."""
    judged = [a for a in attempts if "verdict" in a]
    if not judged:
        return None
    return min(reversed(judged), key=lambda a: _score(a, n_criteria))
