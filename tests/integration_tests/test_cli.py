"""The command line as a user runs it: a subprocess, its exit code, its stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start
from tests.factories import summary
from tests.scripted_server import ScriptedServer, verdict_json, writer_and_judge

CLI = [sys.executable, "-m", "paper_summarizer"]


def cli_env(cwd: Path) -> dict[str, str]:
    """The user's environment with no API keys, and a checkpoint database in `cwd`."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PAPER_SUMMARIZER_CHECKPOINT_DB"] = str(cwd / "c.sqlite")
    return env


def cli(*args: str, cwd: Path, timeout: float = 120, answers: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; `answers` is what the user types (a reviewer's answers, one per line)."""
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=cli_env(cwd), input=answers, capture_output=True, text=True, timeout=timeout
    )


def scripted_args(server: ScriptedServer) -> list[str]:
    return ["--model", "openai:scripted", "--base-url", server.url, "--min-words", "100"]


def test_pass_exits_0_and_prints_the_summary_path(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    server = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    done = cli("summarize", str(paper), *scripted_args(server), "--output-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "out/paper.summary.md"
    assert (tmp_path / "out" / "paper.report.json").exists()
    assert "round 1 verdict: PASS" in done.stderr


def test_cap_exits_3_and_history_lists_rounds(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    server = start(scripted, writer_and_judge(["# Short\n\nToo short."], [verdict_json("PASS")]))
    done = cli(
        "summarize", str(paper), *scripted_args(server), "--max-iterations", "2", "--thread-id", "abc", cwd=tmp_path
    )
    assert done.returncode == 3, done.stderr
    assert "did not pass" in done.stderr and (tmp_path / "paper.summary.md").exists()
    shown = cli("history", "abc", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.count("NEEDS_IMPROVEMENT") == 2 and "word_count" in shown.stdout
    listed = cli("threads", cwd=tmp_path)
    assert "abc" in listed.stdout and "cap reached" in listed.stdout


def _one_line_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and text in errors[0], done.stderr
    assert done.stderr.strip().splitlines()[-1] == errors[0]


@pytest.mark.parametrize(
    ("make", "source", "message"),
    [
        (None, "missing.pdf", "no such file"),
        (None, ".", "is a directory"),
        (lambda d: (d / "empty.pdf").write_bytes(b""), "empty.pdf", "is empty"),
        (lambda d: (d / "fake.pdf").write_text("hello, I am text " * 50), "fake.pdf", "is not a PDF"),
        (lambda d: (d / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog"), "cut.pdf", "cannot convert"),
        (lambda d: _encrypted_pdf(d / "locked.pdf"), "locked.pdf", "encrypted PDF"),
        (None, "2506.1", "malformed arXiv ID"),
        (None, "ftp://example.org/x.pdf", "unsupported URL scheme"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(make, source: str, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if make:
        make(tmp_path)
    before = set(tmp_path.iterdir())
    done = cli(
        "summarize",
        source,
        "--model",
        "openai:x",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--output-dir",
        "out",
        cwd=tmp_path,
    )
    _one_line_error(done, 2, message)
    assert not (tmp_path / "out").exists()
    assert {p for p in tmp_path.iterdir() if p.suffix != ".sqlite"} == {p for p in before if p.suffix != ".sqlite"}
    assert "interrupted" not in cli("threads", cwd=tmp_path).stdout  # no half-made run is left behind


def _encrypted_pdf(path: Path) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("user-pass", "owner-pass"))
    pdf.drawString(72, 720, "A secret paper. " * 20)
    pdf.save()


def test_missing_api_key_names_the_variable(paper: Path, tmp_path: Path) -> None:
    _one_line_error(
        cli("summarize", str(paper), "--model", "deepseek:deepseek-reasoner", cwd=tmp_path), 2, "set DEEPSEEK_API_KEY"
    )


def test_unknown_thread_and_bad_usage(tmp_path: Path) -> None:
    _one_line_error(cli("resume", "nope", cwd=tmp_path), 2, "no run with thread ID 'nope'")
    assert cli("summarize", "--max-iterations", "0", "x", cwd=tmp_path).returncode == 2


def test_convert_prints_markdown(paper: Path, tmp_path: Path) -> None:
    done = cli("convert", str(paper), cwd=tmp_path)
    assert done.returncode == 0 and "# Gated Judges for Summaries" in done.stdout


def test_batch_with_one_bad_source_reports_it_and_finishes_the_others(
    scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    from tests.factories import write_paper

    server = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    write_paper(tmp_path, "one.md")
    write_paper(tmp_path, "two.md")
    (tmp_path / "list.txt").write_text("two.md\n# a comment\nmissing.pdf\n")
    done = cli(
        "summarize", "one.md", "--from-file", "list.txt", *scripted_args(server), "--concurrency", "3", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr  # the worst of passed, passed and bad input
    assert sorted(done.stdout.split()) == ["one.summary.md", "two.summary.md"]
    assert "missing.pdf: no such file" in done.stderr
    assert "Traceback" not in done.stderr
    table = done.stderr[done.stderr.index("summaries") :]
    assert table.count("passed") == 2 and "error" in table


def test_a_run_past_its_budget_stops_with_one_line_and_resumes_with_a_larger_one(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    """Round 1 takes four calls (writer; the judge's key facts, criteria and fact-check); round 2
    three (the key facts are kept): a budget of 5 leaves no room for round 2's judge."""
    server = start(
        scripted,
        writer_and_judge([summary(150)], [verdict_json("NEEDS_IMPROVEMENT", "- say more"), verdict_json("PASS")]),
    )
    base = [str(paper), *scripted_args(server), "--thread-id", "budget"]
    done = cli("summarize", *base, "--set", "max_model_calls=5", cwd=tmp_path)
    _one_line_error(done, 1, "the run has made 5 model calls and needs 2 more, over its budget of 5 (max_model_calls)")
    assert not (tmp_path / "paper.summary.md").exists()
    calls, checks = len(server.requests), len(server.fact_requests)
    assert (calls, checks) == (3, 2)  # writer, judge, writer; key facts, fact-check: round 2's judge never asked
    again = cli("resume", "budget", "--set", "max_model_calls=10", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    # only round 2's judge calls: nothing paid twice, the key facts not extracted again
    assert (len(server.requests), len(server.fact_requests)) == (calls + 1, checks + 1)
    assert (tmp_path / "paper.summary.md").exists()
