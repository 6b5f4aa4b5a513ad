"""The CLI as a client of a LangGraph Server deployment (`--server URL`): each paper becomes a
background run on its own thread, and the deployment's queue schedules them. Progress is
streamed back; the files are written here, from each run's final state, exactly as a local run
writes them. A local source is uploaded as bytes in the run's input: the server never reads this
machine's files. An API key for the deployment comes from LANGGRAPH_API_KEY or LANGSMITH_API_KEY,
as the SDK reads them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paper_summarizer.documents import sources
from paper_summarizer.errors import BadInputError, PaperSummarizerError, SourceError
from paper_summarizer.runner import BatchItem, Names, OnUpdate, SummaryResult, run_batch, write_outputs
from paper_summarizer.state import Status

GRAPH = "paper_summarizer"  # the graph's name in langgraph.json
# Errors a run on the server can end with that are the user's input, as locally (exit 2).
_BAD_INPUT = {"SourceError", "BadInputError", "ModelConfigError", "ThreadNotFoundError", "GraphSetupError"}


class RemoteRunError(PaperSummarizerError):
    """A run failed on the server; the message is the server's, in one line."""


class RemoteBadInputError(BadInputError):
    """A run failed on the server because of its input."""


def summarize_many(
    server: str,
    source_list: list[str],
    context: dict[str, Any],
    *,
    concurrency: int,
    output_dir: Path,
    on_update: OnUpdate | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Send every paper to the deployment; wait for all; write each one's files and, for several,
    the digest. `context` holds only the settings the user gave: the deployment has its own."""
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    names = Names()

    def work(item: BatchItem) -> SummaryResult:
        run_input = _input(item.source, context)
        item.thread_id = client.threads.create(metadata={"source": item.source})["thread_id"]
        run = client.runs.create(item.thread_id, GRAPH, input=run_input, context=context)
        for part in client.runs.join_stream(item.thread_id, run["run_id"], stream_mode="updates"):
            if part.event == "updates" and on_update is not None and isinstance(part.data, dict):
                for node, update in part.data.items():
                    if isinstance(update, dict):
                        on_update(item.thread_id, node, update)
        return _finish(client, item.thread_id, item.source, run["run_id"], output_dir, names)

    return run_batch([BatchItem(source, "") for source in source_list], work, concurrency, output_dir, on_done)


def threads(server: str) -> list[dict[str, Any]]:
    """The deployment's threads of this graph, newest first."""
    from langgraph_sdk import get_sync_client

    found = get_sync_client(url=server).threads.search(limit=100, sort_by="updated_at", sort_order="desc")
    out = []
    for thread in found:
        raw = thread.get("values")
        values: dict[str, Any] = raw if isinstance(raw, dict) else {}
        result = values.get("result")
        waiting = {"interrupted": Status.AWAITING_REVIEW}
        status = result["status"] if result else waiting.get(thread["status"], thread["status"])
        out.append({
            "thread_id": thread["thread_id"], "status": str(status), "source": values.get("source", ""),
            "rounds": len(values.get("attempts") or []), "updated_at": str(thread.get("updated_at", "")),
        })  # fmt: skip
    return out


def _input(source: str, context: dict[str, Any]) -> dict[str, Any]:
    """The run's input: the source, and for a local file its bytes (checked and read here)."""
    parsed = sources.parse(source)
    if parsed.kind != "file":
        return {"source": source}
    max_bytes = int(float(context.get("max_download_mb", 50)) * 1e6)
    fetched = sources.fetch(parsed, access=sources.Access.for_user(), max_bytes=max_bytes)
    if len(fetched.data) > max_bytes:
        raise SourceError(f"{source} is larger than the {max_bytes / 1e6:g} MB limit")
    encoded = base64.b64encode(fetched.data).decode("ascii")
    return {"source": Path(source).name, "upload": {"name": Path(source).name, "content_base64": encoded}}


def _finish(client: Any, thread_id: str, source: str, run_id: str, output_dir: Path, names: Names) -> SummaryResult:
    run = client.runs.get(thread_id, run_id)
    state = client.threads.get_state(thread_id)
    values = state.get("values") or {}
    if run["status"] != "success":
        error = (values.get("__error__") if isinstance(values, dict) else None) or client.runs.join(thread_id, run_id)
        raise _error_of(error.get("__error__", error) if isinstance(error, dict) else {}, run["status"])
    if state.get("tasks") and any(task.get("interrupts") for task in state["tasks"]):
        return SummaryResult(thread_id, source, Status.AWAITING_REVIEW, attempts=values.get("attempts") or [])
    result = values["result"]
    out = SummaryResult(thread_id, source, Status(result["status"]), result=result, attempts=result["attempts"])
    name = names.claim(thread_id, result["name"])
    out.summary_path, out.report_path = write_outputs(output_dir, name, out, values.get("paper"))
    return out


def _error_of(error: dict[str, Any], status: str) -> PaperSummarizerError:
    kind, message = str(error.get("error", "")), str(error.get("message", "") or f"the run ended as {status}")
    first = message.strip().splitlines()[0] if message.strip() else message
    return RemoteBadInputError(first) if kind in _BAD_INPUT else RemoteRunError(f"{kind}: {first}" if kind else first)
