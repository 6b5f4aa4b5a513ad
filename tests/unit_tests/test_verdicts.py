from __future__ import annotations

import json
from typing import Any

import pytest

from paper_summarizer import verdicts
from paper_summarizer.state import Check

CRITERIA = ["clear", "grammar", "faithful", "structure"]
NO_USAGE = {"input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0}
OK_GATES = [Check(name="word_count", passed=True, detail="ok")]


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"criteria": [{"criterion": 1, "reason": "ok", "passed": true}], "feedback": ""}\n```',
        'Sure! Here it is: {"criteria": [], "about_this_paper": false, "feedback": "wrong paper"} hope that helps',
    ],
)
def test_parse_accepts_wrapped_json(text: str) -> None:
    verdicts.parse_judge_reply(text, 1)


@pytest.mark.parametrize(
    "text", ["PASS", '{"criteria": [{"criterion": 1}]}', '{"criteria": ', "", '{"evaluation": "PASS"}']
)
def test_parse_rejects_what_is_not_a_verdict(text: str) -> None:
    with pytest.raises(ValueError):
        verdicts.parse_judge_reply(text, 4)


def reply(passed: list[bool], about_this_paper: bool = True) -> verdicts.JudgeReply:
    return verdicts.JudgeReply(
        feedback="" if all(passed) else "fix it",
        about_this_paper=about_this_paper,
        criteria=[verdicts.CriterionResult(criterion=i + 1, passed=p, reason="r") for i, p in enumerate(passed)],
    )


def test_pass_needs_every_criterion_and_gate() -> None:
    assert verdicts.from_judge(reply([True] * 4), CRITERIA, OK_GATES, [], "j", NO_USAGE)["evaluation"] == "PASS"
    v = verdicts.from_judge(reply([True, True, False, True]), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    assert v["evaluation"] == "NEEDS_IMPROVEMENT"
    assert "faithful" in v["feedback"]
    failed_gate = [Check(name="word_count", passed=False, detail="short")]
    assert verdicts.from_judge(reply([True] * 4), CRITERIA, failed_gate, [], "j", NO_USAGE)["evaluation"] != "PASS"


def test_a_judge_that_says_pass_before_failing_criteria_does_not_pass() -> None:
    """The overall evaluation is derived from the evidence; the judge's own word is ignored."""
    text = json.dumps(
        {
            "evaluation": "PASS",
            "criteria": [
                {"criterion": 1, "reason": '"teh model" is misspelled', "passed": False},
                {"criterion": 2, "reason": "ok", "passed": True},
            ],
            "feedback": "Great summary, PASS.",
        }
    )
    v = verdicts.from_judge(verdicts.parse_judge_reply(text, 2), CRITERIA[:2], OK_GATES, [], "j", NO_USAGE)
    assert v["evaluation"] == "NEEDS_IMPROVEMENT"
    assert '"teh model" is misspelled' in v["feedback"]


def test_not_about_this_paper_is_fail() -> None:
    v = verdicts.from_judge(reply([True] * 4, about_this_paper=False), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    assert v["evaluation"] == "FAIL" and "not a summary of this paper" in v["feedback"]


def test_a_criterion_the_judge_skipped_does_not_pass() -> None:
    v = verdicts.from_judge(reply([True, True]), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    assert v["evaluation"] == "NEEDS_IMPROVEMENT"
    assert [c["detail"] for c in v["criteria"]][2] == "not assessed by the judge"


def test_failed_gate_verdict_skips_judge_and_empty_is_fail() -> None:
    gates = [Check(name="word_count", passed=False, detail="12 words, needs at least 500")]
    v = verdicts.from_gates(gates, [], empty=False)
    assert v["evaluation"] == "NEEDS_IMPROVEMENT" and v["judge_model"] == ""
    assert "12 words, needs at least 500" in v["feedback"]
    assert verdicts.from_gates(gates, [], empty=True)["evaluation"] == "FAIL"


def test_an_unsupported_number_is_a_gate_failure_named_with_its_sentence() -> None:
    gates = [Check(name="numbers", passed=False, detail='1 number(s) not stated ...: 77% in "Costs fell 77% overall."')]
    v = verdicts.from_gates(
        gates, [{"number": "77%", "context": "Costs fell 77% overall.", "found": False}], empty=False
    )
    assert v["evaluation"] == "NEEDS_IMPROVEMENT" and "Costs fell 77% overall." in v["feedback"]
    assert verdicts.failures(v) == ["numbers"]


def attempt(round_no: int, v: dict[str, Any] | None) -> Any:
    a: dict[str, Any] = {"round": round_no, "summary": f"s{round_no}"}
    if v is not None:
        a["verdict"] = v
    return a


def test_best_attempt_is_fewest_failures_then_latest() -> None:
    gate_fail = verdicts.from_gates([Check(name="word_count", passed=False, detail="x")], [], empty=False)
    one_crit = verdicts.from_judge(reply([True, True, True, False]), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    two_crit = verdicts.from_judge(reply([True, True, False, False]), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    attempts = [attempt(1, gate_fail), attempt(2, one_crit), attempt(3, two_crit), attempt(4, gate_fail)]
    assert verdicts.best_attempt(attempts, 4)["round"] == 2  # type: ignore[index]
    attempts.append(attempt(5, one_crit))
    assert verdicts.best_attempt(attempts, 4)["round"] == 5  # type: ignore[index]
    assert verdicts.failures(one_crit) == ["structure"]


def test_the_best_attempt_is_the_least_harmful_not_the_one_with_fewest_failures() -> None:
    """An invented number outweighs three structure slips and a grammar criterion."""
    invented = verdicts.from_gates([Check(name="numbers", passed=False, detail="x")], [], empty=False)
    slips = verdicts.from_gates(
        [Check(name=n, passed=False, detail="x") for n in ("sections", "subsections", "tldr")], [], empty=False
    )
    assert verdicts.best_attempt([attempt(1, slips), attempt(2, invented)], 4)["round"] == 1  # type: ignore[index]
    other_paper = verdicts.from_gates([Check(name="on_topic", passed=False, detail="x")], [], empty=False)
    assert verdicts.best_attempt([attempt(1, other_paper), attempt(2, slips)], 4)["round"] == 2  # type: ignore[index]


def test_a_wordy_judge_is_truncated_not_rejected() -> None:
    text = (
        '{"criteria": [{"criterion": 1, "reason": "'
        + "y" * 5000
        + '", "passed": false}], "feedback": "'
        + "x" * 5000
        + '"}'
    )
    v = verdicts.from_judge(verdicts.parse_judge_reply(text, 4), CRITERIA, OK_GATES, [], "j", NO_USAGE)
    assert len(v["criteria"][0]["detail"]) == verdicts.REASON_MAX_CHARS
    assert len(v["feedback"]) < 2 * verdicts.FEEDBACK_MAX_CHARS
