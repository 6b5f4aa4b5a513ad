"""`paper-summarizer`: a thin command line over the public API. Progress goes to stderr, the
paths of written files to stdout; every failure is one line and a meaningful exit code.

The graph stack (LangGraph, LangChain, the model clients) is imported inside the commands that
run the graph, so `--help` and `convert` start in a fraction of a second."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError, describe

if TYPE_CHECKING:
    from paper_summarizer import runner

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CAP = 0, 1, 2, 3
_SEVERITY = [EXIT_PASSED, EXIT_CAP, EXIT_BAD_INPUT, EXIT_FAILED]  # later is worse
T = TypeVar("T")

app = typer.Typer(
    help="Summarize research papers with an LLM writer and an LLM judge, checkpointed.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# soft_wrap: an error stays one line; a wide table is not squeezed into 80 columns in a log.
err = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)
out = Console(highlight=False, soft_wrap=True)

CheckpointDb = Annotated[
    str | None,
    typer.Option(
        "--checkpoint-db",
        "--checkpoint-url",
        help="SQLite file or postgresql:// URL holding runs "
        "[default: $PAPER_SUMMARIZER_CHECKPOINT_DB or ~/.local/state/paper-summarizer/checkpoints.sqlite]",
    ),
]
Model = Annotated[str | None, typer.Option(help="Writer model: provider:model, or 'local'.")]
EvaluatorModel = Annotated[str | None, typer.Option(help="Judge model [default: the writer's].")]
BaseUrl = Annotated[str | None, typer.Option(help="Base URL of an OpenAI-compatible server.")]
MaxIterations = Annotated[int | None, typer.Option(min=1, help="Most write-and-judge rounds [default: 4].")]
OutputDir = Annotated[Path | None, typer.Option(file_okay=False, help="Where summaries and reports go [default: .].")]
Review = Annotated[bool, typer.Option("--review", help="Approve or send back each verdict yourself.")]


@app.callback()
def _setup() -> None:
    # What the converter says (a page kept as plain text, OCR progress) reaches the user as a line.
    handler = RichHandler(console=err, show_time=False, show_path=False, show_level=False, markup=False)
    package = logging.getLogger("paper_summarizer")
    package.handlers[:] = [handler]
    package.setLevel(logging.INFO)
    package.propagate = False


def _guard(action: Callable[[], T]) -> T:
    """Run a command body; turn any failure into one line on stderr and an exit code."""
    try:
        return action()
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("PAPER_SUMMARIZER_DEBUG"):
            raise
        message, code = describe(exc)
        err.print(f"[red]error:[/red] {escape(message)}")
        raise typer.Exit(code) from None


def _progress(many: bool) -> runner.OnUpdate:
    def show(thread_id: str, node: str, update: dict[str, Any]) -> None:
        prefix = f"[dim]{thread_id}[/dim] " if many else ""
        if node == "fetch" and "paper" in update:
            paper = update["paper"]
            err.print(f"{prefix}fetched [bold]{escape(paper['title'][:90])}[/bold] ({paper['words']:,} words)")
            if paper.get("notice"):
                err.print(f"{prefix}[yellow]{escape(paper['notice'])}[/yellow]")
        for attempt in update.get("attempts") or []:
            r = attempt["round"]
            if node == "generate":
                words = attempt.get("words", 0)
                err.print(f"{prefix}round {r}: wrote {words} words with {attempt.get('model')}")
            elif node in ("evaluate", "review") and "verdict" in attempt:
                verdict = attempt["verdict"]
                colour = "green" if verdict["evaluation"] == "PASS" else "yellow"
                first = verdict["feedback"].splitlines()[0] if verdict["feedback"] else ""
                who = "reviewer" if node == "review" else "verdict"
                err.print(
                    f"{prefix}round {r} {who}: [{colour}]{verdict['evaluation']}[/{colour}] {escape(first[:120])}"
                )

    return show


def _terminal_reviewer(payload: dict[str, Any]) -> str:
    err.rule(f"round {payload['round']}: summary for review")
    err.print(escape(payload["summary"]))
    err.rule()
    err.print(f"automatic verdict: [bold]{payload['verdict']}[/bold]\n{escape(payload['feedback'])}")
    answer: str = typer.prompt("Type 'approve', or your feedback for another round", err=True)
    return answer


def _context(**options: Any) -> Context:
    return Context(allow_local_files=True, **{k: v for k, v in options.items() if v is not None})


def _exit_code(result: runner.SummaryResult) -> int:
    return {"passed": EXIT_PASSED, "cap reached": EXIT_CAP}.get(result.status, EXIT_FAILED)


def _report_result(result: runner.SummaryResult) -> None:
    if result.summary_path:
        out.print(str(result.summary_path))
    if result.status == "passed":
        err.print(f"[green]passed[/green] on round {result.best_round}; report: {result.report_path}")
    elif result.status == "cap reached":
        err.print(
            f"[yellow]did not pass[/yellow] in {result.rounds} rounds; wrote the best attempt "
            f"(round {result.best_round}), still failing: {escape('; '.join(result.failing))}"
        )
    elif result.status == "awaiting review":
        err.print(
            f"thread {result.thread_id} awaits your review: `paper-summarizer resume {result.thread_id} --review`"
        )
    else:
        err.print(f"thread {result.thread_id} is {result.status}: `paper-summarizer resume {result.thread_id}`")


@app.command()
def summarize(
    source: Annotated[
        list[str] | None, typer.Argument(help="arXiv IDs or URLs, http(s) URLs, or local files.", show_default=False)
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="A file with one source per line.")
    ] = None,
    model: Model = None,
    evaluator_model: EvaluatorModel = None,
    base_url: BaseUrl = None,
    max_iterations: MaxIterations = None,
    min_words: Annotated[
        int | None, typer.Option(min=1, help="Fewest words a summary may have [default: 500].")
    ] = None,
    max_output_tokens: Annotated[int | None, typer.Option(min=16, help="Longest reply in tokens.")] = None,
    output_dir: OutputDir = None,
    thread_id: Annotated[str | None, typer.Option(help="Thread ID for the run (one source only).")] = None,
    checkpoint_db: CheckpointDb = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Papers summarized at once.")] = 4,
    review: Review = False,
) -> None:
    """Summarize papers; write <name>.summary.md and <name>.report.json for each."""

    def body() -> int:
        sources_list = list(source or [])
        if from_file is not None:
            sources_list += [
                s.strip() for s in from_file.read_text().splitlines() if s.strip() and not s.startswith("#")
            ]
        if not sources_list:
            raise BadInputError("no source given: pass an arXiv ID, a URL or a file")
        if thread_id and len(sources_list) > 1:
            raise BadInputError("--thread-id names one run: give one source")
        ctx = _context(
            model=model, evaluator_model=evaluator_model, base_url=base_url, max_iterations=max_iterations,
            min_words=min_words, max_output_tokens=max_output_tokens, human_review=review or None,
        )  # fmt: skip
        from paper_summarizer import models

        choice = models.choose(ctx.model)
        if choice.reason:
            err.print(f"[cyan]model:[/cyan] {choice.name} ({escape(choice.reason)})")
        try:
            if len(sources_list) == 1:
                return _single(sources_list[0], ctx, thread_id, checkpoint_db, output_dir, review)
            return _batch(sources_list, ctx, concurrency, checkpoint_db, output_dir)
        finally:
            models.shutdown()

    raise typer.Exit(_guard(body))


def _single(
    source: str, ctx: Context, thread_id: str | None, checkpoint_db: str | None, output_dir: Path | None, review: bool
) -> int:
    from paper_summarizer import runner

    tid = thread_id or runner.new_thread_id()
    err.print(f"[dim]thread {tid}[/dim]: summarizing {escape(source)}")
    try:
        result = runner.summarize(
            source, ctx, thread_id=tid, checkpoint_db=checkpoint_db, output_dir=output_dir or Path("."),
            on_update=_progress(False), reviewer=_terminal_reviewer if review else None,
        )  # fmt: skip
    except KeyboardInterrupt:
        db = f" --checkpoint-db {checkpoint_db}" if checkpoint_db else ""
        err.print(f"\ninterrupted; continue with: paper-summarizer resume {tid}{db}")
        raise
    _report_result(result)
    return _exit_code(result)


def _batch(
    sources_list: list[str], ctx: Context, concurrency: int, checkpoint_db: str | None, output_dir: Path | None
) -> int:
    """Papers run concurrently, each in its own thread ID; a bar per paper on a terminal, a
    line per event otherwise; then one table. The exit code is the worst paper's."""
    from paper_summarizer import runner

    codes: list[int] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"),
        console=err, disable=not err.is_terminal, transient=False,
    ) as bars:  # fmt: skip
        overall = bars.add_task("[bold]all papers[/bold]", total=len(sources_list), status="")
        tasks: dict[str, TaskID] = {}
        lines = _progress(True)

        def on_update(thread_id: str, node: str, update: dict[str, Any]) -> None:
            if not bars.disable:
                task = tasks.setdefault(
                    thread_id, bars.add_task(thread_id, total=ctx.max_iterations, status="fetching")
                )
                for attempt in update.get("attempts") or []:
                    if node == "generate":
                        bars.update(task, status=f"round {attempt['round']}: writing")
                    elif "verdict" in attempt:
                        bars.update(
                            task,
                            completed=attempt["round"],
                            status=f"round {attempt['round']}: {attempt['verdict']['evaluation']}",
                        )
                if node == "condense":
                    bars.update(task, status="condensing a long paper")
            else:
                lines(thread_id, node, update)

        def on_done(item: runner.BatchItem) -> None:
            bars.advance(overall)
            if item.error is not None:
                message = escape(describe(item.error)[0])
                err.print(f"[red]error[/red] [dim]{item.thread_id}[/dim] {escape(item.source)}: {message}")

        items = runner.summarize_many(
            sources_list, ctx, concurrency=concurrency, checkpoint_db=checkpoint_db,
            output_dir=output_dir or Path("."), on_update=on_update, on_done=on_done,
        )  # fmt: skip
    table = Table("source", "thread", "verdict", "rounds", "tokens in/out", "output", title="summaries")
    for item in items:
        result = item.result
        if result is None:
            message, code = describe(item.error or RuntimeError("unknown failure"))
            table.add_row(escape(item.source), item.thread_id, f"[red]error[/red] {escape(message)}", "-", "-", "-")
        else:
            code = _exit_code(result)
            usage = f"{result.usage['input_tokens']:,}/{result.usage['output_tokens']:,}"
            table.add_row(
                escape(item.source),
                item.thread_id,
                result.status,
                str(result.rounds),
                usage,
                str(result.summary_path or "-"),
            )
            if result.summary_path:
                out.print(str(result.summary_path))
        codes.append(code)
    err.print(table)
    return max(codes, key=_SEVERITY.index)


@app.command()
def resume(
    thread_id: Annotated[str, typer.Argument(help="The run to continue.")],
    model: Model = None,
    evaluator_model: EvaluatorModel = None,
    base_url: BaseUrl = None,
    max_iterations: MaxIterations = None,
    output_dir: OutputDir = None,
    checkpoint_db: CheckpointDb = None,
    review: Review = False,
) -> None:
    """Continue an interrupted run from its last checkpoint, with its original settings."""

    def body() -> int:
        from paper_summarizer import models, runner

        overrides = {
            "model": model, "evaluator_model": evaluator_model, "base_url": base_url,
            "max_iterations": max_iterations, "output_dir": str(output_dir) if output_dir else None,
        }  # fmt: skip
        try:
            result = runner.resume(
                thread_id, checkpoint_db=checkpoint_db, overrides=overrides,
                on_update=_progress(False), reviewer=_terminal_reviewer if review else None,
            )  # fmt: skip
        finally:
            models.shutdown()
        _report_result(result)
        return _exit_code(result)

    raise typer.Exit(_guard(body))


@app.command()
def history(
    thread_id: Annotated[str, typer.Argument(help="The run to show.")],
    checkpoint_db: CheckpointDb = None,
) -> None:
    """List a run's attempts with their verdicts."""
    from paper_summarizer import runner, verdicts
    from paper_summarizer.replies import add_usage

    result = _guard(lambda: runner.history(thread_id, checkpoint_db=checkpoint_db))
    out.print(f"[bold]{escape(result.title)}[/bold] ({escape(result.source)}): {result.status}")
    for attempt in result.attempts:
        verdict = attempt.get("verdict")
        usage = add_usage(attempt.get("usage", add_usage()), *([verdict["usage"]] if verdict else []))
        words = attempt.get("words", 0)
        judge = (verdict["judge_model"] or "skipped: a gate failed") if verdict else "-"
        evaluation = verdict["evaluation"] if verdict else "not judged"
        out.print(
            f"\n[bold]round {attempt['round']}[/bold]  {evaluation}  {words} words  writer {attempt.get('model', '')}"
            f"  judge {judge}  tokens in/out {usage['input_tokens']}/{usage['output_tokens']}"
        )
        if verdict:
            failing = verdicts.failures(verdict)
            if failing:
                out.print(f"  failing: {escape(', '.join(failing))}")
            out.print(escape("  " + verdict["feedback"].replace("\n", "\n  ")))
        if attempt.get("review"):
            out.print(f"  human review: {escape(attempt['review'])}")
        if attempt.get("reasoning"):
            out.print(f"  reasoning: {len(attempt['reasoning'].split())} words (in the report)")


@app.command()
def threads(checkpoint_db: CheckpointDb = None) -> None:
    """List stored runs."""
    from paper_summarizer import runner

    found = _guard(lambda: runner.threads(checkpoint_db=checkpoint_db))
    out.print(f"{'thread':<14} {'status':<16} {'rounds':>6}  {'last update':<20}  source")
    for t in found:
        out.print(f"{t.thread_id:<14} {t.status:<16} {t.rounds:>6}  {t.updated_at[:19]:<20}  {escape(t.source)}")


@app.command()
def convert(source: Annotated[str, typer.Argument(help="arXiv ID or URL, http(s) URL, or a local file.")]) -> None:
    """Print the markdown the model will read for SOURCE."""

    def body() -> str:
        from paper_summarizer.documents import library

        return library.markdown(source, allow_local_files=True, max_bytes=int(Context().max_download_mb * 1e6))

    sys.stdout.write(_guard(body) + "\n")


def main() -> None:  # pragma: no cover - console script entry point
    app()
