"""Summaries for every reader: any language, a one-line TL;DR, an audience, a digest."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from paper_summarizer import quality, runner
from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError
from paper_summarizer.prompts import conversation, fill, template, writer_instructions
from tests.factories import paper_markdown, summary, write_paper
from tests.fakes import RecordingFake, script
from tests.scripted_server import verdict_json

_HAN = (
    "研究模型数据训练注意力结果方法论文学生想法网络信号价值误差测试基准分数速度内存上下文评审作者总"
    "结主张数字表格图形章节问题途径限制未来理由设计选择步骤图循环轮次反馈读者文本标题结构清晰简单有用"
)


def chinese_summary(characters: int) -> str:
    """A Chinese summary with the gates' shape; its body has `characters` Han characters."""
    per = characters // 4
    rng = random.Random(characters)
    body = "".join(rng.choice(_HAN) for _ in range(characters))
    parts = [body[i * per : (i + 1) * per] for i in range(4)]
    sentences = ["。".join(p[j : j + 20] for j in range(0, len(p), 20)) + "。" for p in parts]
    return (
        "# 论文总结\n\n**TL;DR:** 这篇论文提出了一种更便宜的评审方法。\n\n"
        f"## 问题\n\n{sentences[0]}\n\n## 方法\n\n{sentences[1]}\n\n### 细节\n\n{sentences[2]}\n\n"
        f"## 结果\n\n{sentences[3]}\n"
    )


def failing(text: str, language: str) -> list[str]:
    gates = quality.gates(text, paper_markdown(), min_words=500, min_sections=3, language=language)
    return [g["name"] for g in gates if not g["passed"]]


def test_a_long_enough_chinese_summary_passes_the_gates_in_chinese() -> None:
    assert failing(chinese_summary(1100), "Chinese") == []
    assert quality.word_count(chinese_summary(1100)) >= 500  # 1,000 CJK characters ~ 500 words


def test_a_short_chinese_summary_fails_the_length_gate() -> None:
    assert failing(chinese_summary(600), "Chinese") == ["word_count"]


def test_an_english_summary_fails_when_chinese_was_asked_for() -> None:
    assert "language" in failing(summary(600), "Chinese")
    assert "language" in failing(chinese_summary(1100), "English")
    assert "language" not in failing(summary(600), "English")


def test_repetition_is_found_in_text_without_spaces() -> None:
    text = chinese_summary(1100).replace(
        "## 结果", "## 结果\n\n这是一个重复的句子用来测试。这是一个重复的句子用来测试。\n\n"
    )
    assert "repetition" in failing(text, "Chinese")


@pytest.mark.parametrize(
    ("tldr", "problem"),
    [
        ("", "no '**TL;DR:**' line"),
        ("**TL;DR:** One claim. And a second sentence.", "one sentence"),
        ("**TL;DR:** " + " ".join(["word"] * 41) + ".", "at most 40"),
    ],
)
def test_the_tldr_gate(tldr: str, problem: str) -> None:
    text = summary(600).replace(summary(600).splitlines()[2], tldr)
    gate = next(g for g in quality.gates(text, "", min_words=1, min_sections=1) if g["name"] == "tldr")
    assert not gate["passed"] and problem in gate["detail"]


def test_the_writer_is_told_the_language_and_the_audience_and_the_judge_checks_them() -> None:
    ctx = Context(language="Chinese", audience="general")
    request = fill(template("generate"), instructions=writer_instructions(ctx))
    assert "Write the whole summary in Chinese" in request and "even 'model' and 'dataset'" in request
    system = str(conversation("paper", ctx, request)[0].content)
    assert "Correct grammar and spelling in Chinese" in system and "no science background" in system
    assert "keep the paper's terminology" in writer_instructions(Context(audience="expert"))


def test_an_unknown_audience_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="unknown audience 'kids'"):
        Context(audience="kids")


def test_a_batch_writes_a_digest_with_an_entry_per_paper_in_order(
    fakes: dict[str, RecordingFake], tmp_path: Path
) -> None:
    script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [verdict_json("PASS"), verdict_json("PASS")])
    (tmp_path / "a").mkdir()
    sources = [str(write_paper(tmp_path / "a")), str(tmp_path / "missing.pdf"), str(write_paper(tmp_path, "b.md"))]
    ctx = Context(model="writer", evaluator_model="judge", min_words=100)
    runner.summarize_many(sources, ctx, concurrency=1, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    digest = (tmp_path / "digest.md").read_text()
    entries = digest.split("\n## ")[1:]
    assert len(entries) == 3
    assert entries[0].startswith("1. Gated Judges for Summaries") and "[summary](paper.summary.md)" in entries[0]
    assert "**TL;DR:** The paper shows" in entries[0] and "Status: passed" in entries[0]
    assert entries[1].startswith("2. ") and "Failed: no such file" in entries[1]
    assert "[summary](b.summary.md)" in entries[2]
