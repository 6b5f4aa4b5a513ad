"""Turning gate results and a judge's reply into one verdict, and verdicts into the next prompt
and the final choice. The judge's reply is parsed with Pydantic; nothing here calls a model."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from paper_summarizer.errors import first_line
from paper_summarizer.state import Attempt, Check, Evaluation, NumberCheck, Usage, Verdict

FEEDBACK_MAX_CHARS = 600
REASON_MAX_CHARS = 160


class CriterionResult(BaseModel):
    criterion: int = Field(description="Number of the criterion, from 1")
    passed: bool
    reason: str = ""  # no length limit here: a wordy judge is truncated, not rejected


class JudgeReply(BaseModel):
    """The judge's structured answer."""

    evaluation: Literal["PASS", "NEEDS_IMPROVEMENT", "FAIL"]
    feedback: str = ""
    criteria: list[CriterionResult] = Field(default_factory=list)


def judge_schema(n_criteria: int) -> dict[str, Any]:
    """JSON schema for servers that enforce one (llama.cpp turns it into a grammar). The length
    limits matter: without them a small model rambles until it hits max_tokens."""
    return {
        "type": "object",
        "properties": {
            "evaluation": {"type": "string", "enum": ["PASS", "NEEDS_IMPROVEMENT", "FAIL"]},
            "feedback": {"type": "string", "maxLength": FEEDBACK_MAX_CHARS},
            "criteria": {
                "type": "array",
                "minItems": n_criteria,
                "maxItems": n_criteria,
                "items": {
                    "type": "object",
                    "properties": {
                        "criterion": {"type": "integer", "minimum": 1, "maximum": n_criteria},
                        "passed": {"type": "boolean"},
                        "reason": {"type": "string", "maxLength": REASON_MAX_CHARS},
                    },
                    "required": ["criterion", "passed", "reason"],
                },
            },
        },
        "required": ["evaluation", "feedback", "criteria"],
    }


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_judge_reply(text: str) -> JudgeReply:
    """Raises ValueError when the reply holds no valid verdict."""
    match = _JSON_OBJECT.search(text)
    if not match:
        raise ValueError("no JSON object in the reply")
    try:
        return JudgeReply.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(first_line(str(exc)) or type(exc).__name__) from exc


def from_gates(gates: list[Check], grounding: list[NumberCheck], empty: bool) -> Verdict:
    """The verdict when a gate failed: the judge is not asked, which saves a call."""
    failed = [g["detail"] for g in gates if not g["passed"]]
    return _verdict("FAIL" if empty else "NEEDS_IMPROVEMENT", failed, gates, grounding, [], "", _no_usage())


def from_judge(
    reply: JudgeReply | None,
    problem: str,
    criteria: list[str],
    gates: list[Check],
    grounding: list[NumberCheck],
    judge_model: str,
    usage: Usage,
) -> Verdict:
    """PASS only when the judge says so and every criterion it was given passed."""
    if reply is None:
        return _verdict(
            "NEEDS_IMPROVEMENT",
            [f"the judge's reply could not be read ({problem}); judging again next round"],
            gates, grounding, [], judge_model, usage,
        )  # fmt: skip
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
    evaluation: Evaluation = reply.evaluation
    if evaluation == "PASS" and not all(c["passed"] for c in checks):
        evaluation = "NEEDS_IMPROVEMENT"
    points = [reply.feedback.strip()[:FEEDBACK_MAX_CHARS]] if reply.feedback.strip() else []
    points += [f"{c['name']} {c['detail']}" for c in checks if not c["passed"]]
    if evaluation == "PASS":
        points = []
    return _verdict(evaluation, points, gates, grounding, checks, judge_model, usage)


def _verdict(
    evaluation: Evaluation,
    points: list[str],
    gates: list[Check],
    grounding: list[NumberCheck],
    criteria: list[Check],
    judge_model: str,
    usage: Usage,
) -> Verdict:
    unsupported = [n["context"] for n in grounding if not n["found"]]
    if unsupported:
        points.append("possibly unsupported numbers (not found in the paper): " + "; ".join(unsupported[:8]))
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


def _score(attempt: Attempt, n_criteria: int) -> int:
    # A round stopped at a gate never reached the judge: its judged criteria count as failed,
    # so an attempt that cleared the gates ranks above it.
    verdict = attempt.get("verdict")
    if verdict is None:
        return 10_000
    if verdict["evaluation"] == "PASS":
        return 0
    gate_fails = sum(1 for g in verdict["gates"] if not g["passed"])
    judged = verdict["criteria"]
    crit_fails = sum(1 for c in judged if not c["passed"]) if judged else n_criteria + 1
    rejected = 1 if attempt.get("review") not in (None, "approved") else 0  # a person sent it back
    return gate_fails + crit_fails + rejected + (1000 if verdict["evaluation"] == "FAIL" else 0)


def best_attempt(attempts: list[Attempt], n_criteria: int) -> Attempt | None:
    """Fewest failed checks; among equals, the latest."""
    judged = [a for a in attempts if "verdict" in a]
    if not judged:
        return None
    return min(reversed(judged), key=lambda a: _score(a, n_criteria))
