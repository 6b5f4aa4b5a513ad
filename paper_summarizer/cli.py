"""`paper-summarizer`: a thin command line over the public API. It drives runs, shows progress
on stderr, prints the paths of written files on stdout, and turns every failure into one line and
a meaningful exit code. What a run produced comes from the graph's final state.

The graph stack (LangGraph, LangChain, the model clients) is imported inside the commands that
run the graph, so `--help` and `convert` start in a fraction of a second."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from paper_summarizer import runs
from paper_summarizer.context import Audience, Context
from paper_summarizer.errors import BadInputError, describe
from paper_summarizer.runs import LOCAL_CONCURRENCY
from paper_summarizer.state import Status

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CAP, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_SEVERITY = [EXIT_PASSED, EXIT_CAP, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED]  # later is worse
_EXIT_BY_STATUS = {Status.PASSED: EXIT_PASSED, Status.CAP_REACHED: EXIT_CAP}
T = TypeVar("T")

app = typer.Typer(
    help="Summarize research papers with an LLM writer and an LLM judge, checkpointed.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: "[default: 4]" is text, not markup to swallow
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
        "(default: $PAPER_SUMMARIZER_CHECKPOINT_DB or ~/.local/state/paper-summarizer/checkpoints.sqlite).",
        show_default=False,
    ),
]


def described(field_name: str, *declarations: str, turns_off: bool = False, **options: Any) -> Any:
    """A typer option for a Context field, with the field's own description (its default and
    environment variable included) as its help: the CLI states no default of its own."""
    about = Context.describe(field_name)
    return typer.Option(
        *declarations, help=f"Turns off: {about}" if turns_off else about, show_default=False, **options
    )


Model = Annotated[str | None, described("model")]
EvaluatorModel = Annotated[str | None, described("evaluator_model")]
BaseUrl = Annotated[str | None, described("base_url")]
MaxIterations = Annotated[int | None, described("max_iterations", min=1)]
OutputDir = Annotated[
    Path | None,
    typer.Option(file_okay=False, help="Where summaries and reports go (default: .).", show_default=False),
]
Server = Annotated[
    str | None,
    typer.Option(
        envvar="PAPER_SUMMARIZER_SERVER",
        help="URL of a LangGraph Server deployment to run on, instead of this machine "
        "(API key: $LANGGRAPH_API_KEY or $LANGSMITH_API_KEY).",
        show_default=False,
    ),
]
Settings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Any setting, as FIELD=VALUE (repeatable), checked like the options above, e.g. --set "
        f"max_model_calls=400. The fields: {', '.join(Context.field_names())}; `paper-summarizer settings` "
        "describes each.",
        show_default=False,
    ),
]
Review = Annotated[bool, described("human_review", "--review")]


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
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        if os.environ.get("PAPER_SUMMARIZER_DEBUG"):
            raise
        message, code = describe(exc)
        err.print(f"[red]error:[/red] {escape(message)}")
        raise typer.Exit(code) from None


def command(args: str, checkpoint_db: str | None = None, server: str | None = None) -> str:
    """How to run paper-summarizer again from this shell: through `uv run` when that is how it
    was started (a bare `paper-summarizer` is not on the PATH of a uv project), against the same
    database or server."""
    prefix = "uv run paper-summarizer" if os.environ.get("UV") else "paper-summarizer"
    where = f" --server {server}" if server else f" --checkpoint-db {checkpoint_db}" if checkpoint_db else ""
    return f"{prefix} {args}{where}"


def events(node: str, update: dict[str, Any]) -> list[str]:
    """One line of markup per thing worth telling in a node's update."""
    lines = []
    if node == "fetch" and update.get("paper"):
        paper = update["paper"]
        lines.append(f"fetched [bold]{escape(paper['title'][:90])}[/bold] ({paper['words']:,} words)")
        for said in (paper.get("left_out"), paper.get("notice")):
            if said:
                lines.append(f"[yellow]{escape(said)}[/yellow]")
    if node == "condense":
        lines += [f"condensed part {note['index'] + 1}" for note in update.get("notes") or []]
    if node == "write_section":
        lines += [f"round {d['round']}: wrote section {d['index'] + 1}" for d in update.get("drafts") or []]
    for attempt in update.get("attempts") or []:
        r = attempt["round"]
        if node in ("generate", "compose"):
            lines.append(f"round {r}: wrote {attempt.get('words', 0)} words with {escape(attempt.get('model', ''))}")
        elif "verdict" in attempt:
            verdict = attempt["verdict"]
            colour = "green" if verdict["evaluation"] == "PASS" else "yellow"
            first = verdict["feedback"].splitlines()[0] if verdict["feedback"] else ""
            who = "reviewer" if node == "review" else "verdict"
            lines.append(f"round {r} {who}: [{colour}]{verdict['evaluation']}[/{colour}] {escape(first[:120])}")
    return lines


class Display:
    """Progress for one paper or many: a bar per paper on a terminal when there are several,
    otherwise a line per event (prefixed with the thread when there are several)."""

    def __init__(self, papers: int, rounds: int, *, bars: bool) -> None:
        self.many, self.rounds = papers > 1, rounds
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"),
            console=err, disable=not (bars and self.many and err.is_terminal), transient=False,
        )  # fmt: skip
        self.overall = self.progress.add_task("[bold]all papers[/bold]", total=papers, status="")
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Display:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, thread_id: str, node: str, update: dict[str, Any]) -> None:
        lines = events(node, update)
        if self.progress.disable:
            prefix = f"[dim]{thread_id}[/dim] " if self.many else ""
            for line in lines:
                err.print(prefix + line)
            return
        task = self.tasks.setdefault(thread_id, self.progress.add_task(thread_id, total=self.rounds, status=""))
        rounds = [a["round"] for a in update.get("attempts") or [] if "verdict" in a]
        if rounds:
            self.progress.update(task, completed=max(rounds))
        if lines:
            self.progress.update(task, status=lines[-1])

    def done(self, item: runs.BatchItem) -> None:
        self.progress.advance(self.overall)
        if item.error is not None:
            message = escape(describe(item.error)[0])
            err.print(f"[red]error[/red] [dim]{item.thread_id}[/dim] {escape(item.source)}: {message}")


def _terminal_reviewer(payload: dict[str, Any]) -> str:
    err.rule(f"round {payload['round']}: summary for review")
    err.print(escape(payload["summary"]))
    err.rule()
    err.print(f"automatic verdict: [bold]{payload['verdict']}[/bold]\n{escape(payload['feedback'])}")
    if payload.get("problem"):
        err.print(f"[yellow]{escape(payload['problem'])}[/yellow]")
    answer: str = typer.prompt("Type 'approve', or your feedback for another round", err=True)
    return answer


def _exit_code(result: runs.SummaryResult) -> int:
    return _EXIT_BY_STATUS.get(result.status, EXIT_FAILED)


def _report(result: runs.SummaryResult, checkpoint_db: str | None, server: str | None = None) -> None:
    if result.summary_path:
        out.print(str(result.summary_path))
    if result.result and result.result["tldr"]:
        err.print(f"[bold]TL;DR:[/bold] {escape(result.result['tldr'])}")
    if result.status == Status.PASSED:
        err.print(f"[green]passed[/green] on round {result.best_round}; report: {result.report_path}")
    elif result.status == Status.CAP_REACHED:
        err.print(
            f"[yellow]did not pass[/yellow] in {result.rounds} rounds; wrote the best attempt "
            f"(round {result.best_round}), still failing: {escape('; '.join(result.failing))}"
        )
    elif result.status == Status.AWAITING_REVIEW:
        hint = command(f"resume {result.thread_id} --review", checkpoint_db, server)
        err.print(f"thread {result.thread_id} awaits your review: `{hint}`")
    else:
        err.print(
            f"thread {result.thread_id} is {result.status}: "
            f"`{command(f'resume {result.thread_id}', checkpoint_db, server)}`"
        )


def _interrupted(thread_id: str, checkpoint_db: str | None, server: str | None = None) -> None:
    err.print(f"\ninterrupted; continue with: {command(f'resume {thread_id}', checkpoint_db, server)}")


@app.command()
def summarize(
    source: Annotated[
        list[str] | None,
        typer.Argument(help="arXiv IDs or URLs, http(s) URLs, or local files.", show_default=False),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A file with one source per line.", show_default=False),
    ] = None,
    model: Model = None,
    evaluator_model: EvaluatorModel = None,
    base_url: BaseUrl = None,
    max_iterations: MaxIterations = None,
    min_words: Annotated[int | None, described("min_words", min=1)] = None,
    max_output_tokens: Annotated[int | None, described("max_output_tokens", min=16)] = None,
    language: Annotated[str | None, described("language")] = None,
    audience: Annotated[Audience | None, described("audience")] = None,
    output_dir: OutputDir = None,
    thread_id: Annotated[
        str | None,
        typer.Option(
            help="Thread ID for the run (one source, or a reading list with --synthesis).", show_default=False
        ),
    ] = None,
    checkpoint_db: CheckpointDb = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            help=f"Papers summarized at once (default: {LOCAL_CONCURRENCY}; with --server, every paper is queued at "
            "once and the deployment's workers decide how many run together).",
            show_default=False,
        ),
    ] = None,
    review: Review = False,
    no_sources: Annotated[bool, described("sources", "--no-sources", turns_off=True)] = False,
    synthesis: Annotated[
        bool,
        typer.Option(
            "--synthesis",
            help="Also write one overview across the papers (synthesis.md and synthesis.report.json), judged "
            "like a summary: the whole list is one run of the reading-list graph, on one thread.",
            show_default=False,
        ),
    ] = False,
    topic: Annotated[
        str | None,
        typer.Option(help="The question the overview answers (implies --synthesis).", show_default=False),
    ] = None,
    server: Server = None,
    settings: Settings = None,
) -> None:
    """Summarize papers; write <name>.summary.md and <name>.report.json for each, and for several
    a digest.md."""

    def body() -> int:
        from paper_summarizer import models, runner

        sources_list = list(source or [])
        if from_file is not None:
            sources_list += [
                s.strip() for s in from_file.read_text().splitlines() if s.strip() and not s.startswith("#")
            ]
        if not sources_list:
            raise BadInputError("no source given: pass an arXiv ID, a URL or a file")
        if thread_id and len(sources_list) > 1 and not (synthesis or topic):
            raise BadInputError("--thread-id names one run: give one source, or the list with --synthesis")
        options: dict[str, Any] = {
            "model": model, "evaluator_model": evaluator_model, "base_url": base_url, "max_iterations": max_iterations,
            "min_words": min_words, "max_output_tokens": max_output_tokens, "human_review": review or None,
            "language": language, "audience": audience, "sources": False if no_sources else None,
        }  # fmt: skip
        given = {**Context.parse_settings(settings or []), **{k: v for k, v in options.items() if v is not None}}
        ctx = Context(**given)  # checks the values here, before anything is sent anywhere
        reviewer = _terminal_reviewer if review else None
        if not server:
            choice = models.choose(ctx.model)
            if choice.reason:
                err.print(f"[cyan]model:[/cyan] {models.display_name(choice.name)} ({escape(choice.reason)})")
        try:
            if synthesis or topic:
                args = (sources_list, given, topic or "", thread_id, concurrency, checkpoint_db, server, output_dir)
                return _reading_list(runner, *args)
            if len(sources_list) == 1 and not server:
                return _single(runner, sources_list[0], given, ctx, thread_id, checkpoint_db, output_dir, reviewer)
            if thread_id:
                raise BadInputError("--thread-id names one run on this machine; a server names its own threads")
            return _batch(runner, sources_list, given, ctx, concurrency, checkpoint_db, server, output_dir, reviewer)
        finally:
            models.shutdown()

    raise typer.Exit(_guard(body))


def _rounds(ctx: Context) -> int:
    """The run's round cap as the graph decides it (2 for the embedded model, else 4)."""
    from paper_summarizer.nodes.shared import round_cap

    return round_cap(ctx)


def _single(
    runner: Any,
    source: str,
    given: dict[str, Any],
    ctx: Context,
    thread_id: str | None,
    checkpoint_db: str | None,
    output_dir: Path | None,
    reviewer: Callable[[dict[str, Any]], str] | None,
) -> int:
    from paper_summarizer.runs import new_thread_id

    tid = thread_id or new_thread_id()
    err.print(f"[dim]thread {tid}[/dim]: summarizing {escape(source)}")
    try:
        with Display(1, _rounds(ctx), bars=False) as display:
            result = runner.summarize(
                source, given, thread_id=tid, checkpoint_db=checkpoint_db, output_dir=output_dir or Path("."),
                on_update=display.update, reviewer=reviewer,
            )  # fmt: skip
    except KeyboardInterrupt:
        _interrupted(tid, checkpoint_db)
        raise
    _report(result, checkpoint_db)
    code: int = _exit_code(result)
    return code


def _batch(
    runner: Any,
    sources_list: list[str],
    given: dict[str, Any],
    ctx: Context,
    concurrency: int | None,
    checkpoint_db: str | None,
    server: str | None,
    output_dir: Path | None,
    reviewer: Callable[[dict[str, Any]], str] | None,
) -> int:
    """Papers run concurrently, each in its own thread, here or on a server; then one table. The
    exit code is the worst paper's. With --review, bars would fight the prompts, so progress goes
    line by line."""
    with Display(len(sources_list), _rounds(ctx), bars=reviewer is None) as display:
        items = runner.summarize_many(
            sources_list, given, concurrency=concurrency, checkpoint_db=checkpoint_db, server=server,
            output_dir=output_dir or Path("."), on_update=display.update, on_done=display.done, reviewer=reviewer,
        )  # fmt: skip
    table = Table("source", "thread", "status", "rounds", "TL;DR", "tokens in/out", "output", title="summaries")
    codes: list[int] = []
    for item in items:
        result = item.result
        if result is None:
            message, code = describe(item.error or RuntimeError("unknown failure"))
            table.add_row(
                escape(item.source), item.thread_id, f"[red]error[/red] {escape(message)}", "-", "-", "-", "-"
            )
        else:
            code = _exit_code(result)
            usage = result.result["usage"] if result.result else None
            tokens = f"{usage['input_tokens']:,}/{usage['output_tokens']:,}" if usage else "-"
            output = str(result.summary_path or "-")
            tldr = escape(result.result["tldr"]) if result.result else "-"
            table.add_row(escape(item.source), item.thread_id, result.status, str(result.rounds), tldr, tokens, output)
            if result.summary_path:
                out.print(str(result.summary_path))
        codes.append(code)
    err.print(table)
    if len(items) > 1:
        err.print(f"digest: {(output_dir or Path('.')) / 'digest.md'}")
    return max(codes, key=_SEVERITY.index)


def _reading_list(
    runner: Any,
    sources_list: list[str],
    given: dict[str, Any],
    topic: str,
    thread_id: str | None,
    concurrency: int | None,
    checkpoint_db: str | None,
    server: str | None,
    output_dir: Path | None,
) -> int:
    """The papers and the overview across them, as one run of the reading-list graph; progress
    line by line, each paper's lines under its own task."""
    from paper_summarizer.runs import new_thread_id

    tid = thread_id or (None if server else new_thread_id())
    if tid:
        err.print(f"[dim]thread {tid}[/dim]: a reading list of {len(sources_list)} papers")
    try:
        with Display(2, 0, bars=False) as display:
            run = runner.synthesize(
                sources_list, topic, given, thread_id=tid, concurrency=concurrency, checkpoint_db=checkpoint_db,
                server=server, output_dir=output_dir or Path("."), on_update=display.update,
            )  # fmt: skip
    except KeyboardInterrupt:
        if tid:
            _interrupted(tid, checkpoint_db, server)
        raise
    return _report_list(run)


def _report_list(run: runs.ListRun) -> int:
    """Each paper's row and the overview's; the exit code is the worst of them (no overview,
    when fewer than two papers could be read: 1)."""
    table = Table("#", "source", "status", "rounds", "TL;DR", "output", title=f"reading list (thread {run.thread_id})")
    codes = [EXIT_FAILED if run.status == Status.NO_OVERVIEW else _EXIT_BY_STATUS.get(run.status, EXIT_FAILED)]
    written = {p.source: p for p in run.papers}
    for paper in run.result["papers"] if run.result else []:
        done = written.get(paper["source"])
        if paper["result"] is None or done is None:
            table.add_row(str(paper["index"]), escape(paper["source"]), f"[red]error[/red] {escape(paper['error'])}")
            codes.append(EXIT_BAD_INPUT)
            continue
        codes.append(_exit_code(done))
        tldr = escape(paper["result"]["tldr"])
        table.add_row(
            str(paper["index"]), escape(paper["source"]), done.status, str(done.rounds), tldr, str(done.summary_path)
        )
        out.print(str(done.summary_path))
    err.print(table)
    if run.overview_path:
        out.print(str(run.overview_path))
        rounds = run.result["synthesis"]["rounds"] if run.result and run.result["synthesis"] else 0
        err.print(f"overview: {run.status} ({rounds} rounds); report: {run.overview_report_path}")
    else:
        err.print(f"[yellow]no overview[/yellow]: thread {run.thread_id} is {run.status}")
    if run.digest_path:
        err.print(f"digest: {run.digest_path}")
    return max(codes, key=_SEVERITY.index)


@app.command()
def resume(
    thread_id: Annotated[str, typer.Argument(help="The run to continue.", show_default=False)],
    model: Model = None,
    evaluator_model: EvaluatorModel = None,
    base_url: BaseUrl = None,
    max_iterations: MaxIterations = None,
    output_dir: OutputDir = None,
    checkpoint_db: CheckpointDb = None,
    review: Review = False,
    server: Server = None,
    settings: Settings = None,
) -> None:
    """Continue a run from its last checkpoint, with its stored settings; a run that stopped at
    the round cap goes on when --max-iterations raises it."""

    def body() -> int:
        from paper_summarizer import models, runner

        flags = {
            "model": model, "evaluator_model": evaluator_model, "base_url": base_url,
            "max_iterations": max_iterations, "output_dir": str(output_dir) if output_dir else None,
        }  # fmt: skip
        overrides = {**Context.parse_settings(settings or []), **{k: v for k, v in flags.items() if v is not None}}
        reviewer = _terminal_reviewer if review else None
        err.print(f"[dim]thread {thread_id}[/dim]: resuming from its last checkpoint")
        try:
            with Display(1, max_iterations or 0, bars=False) as display:
                result = runner.resume(
                    thread_id, checkpoint_db=checkpoint_db, server=server, overrides=overrides,
                    on_update=display.update, reviewer=reviewer,
                )  # fmt: skip
        except KeyboardInterrupt:
            _interrupted(thread_id, checkpoint_db, server)
            raise
        finally:
            models.shutdown()
        if isinstance(result, runs.ListRun):
            return _report_list(result)
        _report(result, checkpoint_db, server)
        return _exit_code(result)

    raise typer.Exit(_guard(body))


@app.command()
def history(
    thread_id: Annotated[str, typer.Argument(help="The run to show.", show_default=False)],
    checkpoint_db: CheckpointDb = None,
    server: Server = None,
) -> None:
    """List a run's attempts with their verdicts."""
    from paper_summarizer import runner, verdicts
    from paper_summarizer.replies import add_usage

    result = _guard(lambda: runner.history(thread_id, checkpoint_db=checkpoint_db, server=server))
    title = result.result["title"] if result.result else ""
    out.print(f"[bold]{escape(title)}[/bold] ({escape(result.source)}): {result.status}")
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
def threads(checkpoint_db: CheckpointDb = None, server: Server = None) -> None:
    """List stored runs (here, or on a --server deployment)."""
    from paper_summarizer import runner

    rows = [vars(t) for t in _guard(lambda: runner.threads(checkpoint_db=checkpoint_db, server=server))]
    width = max([14, *[len(r["thread_id"]) + 1 for r in rows]])
    out.print(f"{'thread':<{width}} {'status':<16} {'rounds':>6}  {'last update':<20}  source")
    for r in rows:
        out.print(
            f"{r['thread_id']:<{width}} {r['status']:<16} {r['rounds']:>6}  {r['updated_at'][:19]:<20}  "
            f"{escape(r['source'])}"
        )


@app.command("settings")
def describe_settings() -> None:
    """Describe every setting (a Context field): what it does, its default, its variable."""
    for name in Context.field_names():
        out.print(f"[bold]{name}[/bold]\n  {escape(Context.describe(name))}")


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="arXiv ID or URL, http(s) URL, or a local file.", show_default=False)],
) -> None:
    """Print the markdown the model will read for SOURCE."""

    def body() -> str:
        from paper_summarizer.documents import library
        from paper_summarizer.documents.sources import Access

        max_bytes = int(Context().max_download_mb * 1e6)
        return library.markdown(source, access=Access.for_user(), max_bytes=max_bytes)

    sys.stdout.write(_guard(body) + "\n")


def main() -> None:  # pragma: no cover - console script entry point
    app()
