"""The graph served by the real `langgraph dev` server, driven by the real langgraph_sdk client,
with a scripted model server: runs, the result, state, history, streaming, human review, and
what a hostile caller cannot make the server read."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from paper_summarizer.state import Status
from tests.conftest import REPO, start
from tests.factories import (
    LIST_TITLES,
    TITLE,
    list_summary,
    overview,
    paper_markdown,
    prose,
    summary,
    write_reading_list,
)
from tests.langgraph_dev import LanggraphDevUnavailable, running_langgraph_dev
from tests.scripted_server import Reply, ScriptedServer, request_of, role_of, verdict_json, writer_and_judge

GRAPH = "paper_summarizer"
SCRIPTED = "openai:scripted"
BODY_LIMIT = 4_000_000


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A deployment on a private network: its papers come from hosts on 127.0.0.1 (the test's
    file server), so it allows private URLs, and each test names its own scripted model server,
    so it allows run-chosen model URLs. It still may not read its own files."""
    with _langgraph_dev(
        tmp_path_factory,
        PAPER_SUMMARIZER_ALLOW_PRIVATE_URLS="1",
        PAPER_SUMMARIZER_ALLOW_MODEL_URLS="1",
        PAPER_SUMMARIZER_ALLOWED_MODELS=SCRIPTED,
    ) as url:
        yield url


@pytest.fixture(scope="module")
def locked_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A deployment with the defaults: neither local files nor private hosts, its defaults as
    ceilings. Its one model is the scripted one (so that each refusal below is the one tested),
    and it takes request bodies up to 4 MB, as its README tells a deployment to bound them."""
    with _langgraph_dev(
        tmp_path_factory,
        PAPER_SUMMARIZER_ALLOWED_MODELS=SCRIPTED,
        HTTP_MAX_REQUEST_BODY_BYTES=str(BODY_LIMIT),
        PAPER_SUMMARIZER_CONVERT_MEMORY_MB="1024",  # a hostile PDF fails sooner
    ) as url:
        yield url


@contextmanager
def _langgraph_dev(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"  # outside the repo: no reload loops
    try:
        with running_langgraph_dev(log, **extra_env) as url:
            yield url
    except LanggraphDevUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def paper_url(file_server: tuple[Path, str]) -> str:
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    return f"{base}/paper.md"


def context(model: ScriptedServer, **extra: Any) -> dict[str, Any]:
    return {"model": SCRIPTED, "base_url": model.url, "min_words": 100, **extra}


def test_run_to_pass_then_read_state_and_history(
    server_url: str, scripted: list[ScriptedServer], paper_url: str
) -> None:
    model = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), summary(150, seed=2)],
            [verdict_json("NEEDS_IMPROVEMENT", "More."), verdict_json("PASS")],
        ),
    )
    client = get_sync_client(url=server_url)
    thread = client.threads.create()
    final = client.runs.wait(thread["thread_id"], GRAPH, input={"source": paper_url}, context=context(model))
    assert isinstance(final, dict)
    result = final["result"]  # the final node's output: what the CLI writes, the SDK gets too
    assert result["status"] == "passed" and result["best_round"] == 2
    assert [a["verdict"]["evaluation"] for a in result["attempts"]] == ["NEEDS_IMPROVEMENT", "PASS"]
    assert result["summary"] == summary(150, seed=2).strip()
    assert (
        result["markdown"].startswith(result["summary"].split("\n\n")[0])
        and "judged by openai:scripted" in result["markdown"]
    )
    assert "sentences were checked against the paper and supported" in result["markdown"]
    assert result["claims"] and all(c["evidence"] for c in result["claims"])  # the report's claims, served too
    state = client.threads.get_state(thread["thread_id"])
    assert state["next"] == [] and state["values"]["summary"].startswith(f"# {TITLE}")
    assert state["values"]["paper"]["title"] == "Gated Judges for Summaries"
    history = client.threads.get_history(thread["thread_id"], limit=50)
    rounds_seen = [len(h["values"].get("attempts") or []) for h in history]
    assert max(rounds_seen) == 2 and min(rounds_seen) == 0  # every step, from the input to the end


def test_stream_shows_node_updates_as_they_happen(
    server_url: str, scripted: list[ScriptedServer], paper_url: str
) -> None:
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread = client.threads.create()
    seen = []
    for part in client.runs.stream(
        thread["thread_id"],
        GRAPH,
        input={"source": paper_url},
        context=context(model),
        stream_mode=["updates", "messages"],
    ):
        if part.event == "updates":
            seen += list(part.data)
        elif part.event.startswith("messages"):
            seen.append("token")
    nodes = [n for n in seen if n != "token"]
    assert nodes == ["fetch", "generate", "evaluate", "finalize"]
    assert "token" in seen  # the writer's tokens stream too


def _failed_run(url: str, source: str, ctx: dict[str, Any]) -> str:
    """Start a run that must fail; return the error the server recorded."""
    client = get_sync_client(url=url)
    thread_id = client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, GRAPH, input={"source": source}, context=ctx)
    client.runs.join(thread_id, run["run_id"])
    assert client.runs.get(thread_id, run["run_id"])["status"] == "error"
    return str(client.threads.get(thread_id).get("error") or "")


@pytest.mark.parametrize("extra", [{}, {"allow_local_files": True}], ids=["plain", "context-asks-for-files"])
def test_served_graph_does_not_read_local_files_whatever_the_context_says(
    server_url: str, scripted: list[ScriptedServer], extra: dict[str, Any]
) -> None:
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    _failed_run(server_url, str(REPO / "README.md"), {**context(model), **extra})
    assert model.requests == []  # nothing of the file reached a model


def test_a_locked_deployment_refuses_private_hosts_and_an_allowing_one_follows_redirects(
    server_url: str, locked_server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str]
) -> None:
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    port = base.rsplit(":", 1)[1]
    for source in (f"{base}/paper.md", f"http://2130706433:{port}/paper.md", f"http://localhost:{port}/paper.md"):
        _failed_run(locked_server_url, source, context(model))
    assert model.requests == []
    # The same paper behind a redirect, on a deployment that allows private hosts: fetched.
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    final = client.runs.wait(
        thread_id, GRAPH, input={"source": f"{base}/redirect?to=/paper.md"}, context=context(model)
    )
    assert isinstance(final, dict) and final["result"]["status"] == "passed"


def test_a_new_input_on_a_used_thread_starts_a_new_run(
    server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str]
) -> None:
    folder, base = file_server
    (folder / "a.md").write_text(paper_markdown(seed=1))
    (folder / "b.md").write_text(paper_markdown(seed=2))
    model = start(
        scripted,
        writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("NEEDS_IMPROVEMENT", "More.")]),
    )
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    ctx = context(model, max_iterations=1)
    client.runs.wait(thread_id, GRAPH, input={"source": f"{base}/a.md"}, context=ctx)
    final = client.runs.wait(thread_id, GRAPH, input={"source": f"{base}/b.md"}, context=ctx)
    assert isinstance(final, dict)
    assert final["source"].endswith("/b.md") and final["result"]["rounds"] == 1  # not round 2 of paper A
    assert request_of(model.requests[2]["messages"][-1]["content"]).startswith("Role: writer. Write")  # a first draft


def _review(client: SyncLangGraphClient, thread_id: str, answer: str, model: ScriptedServer) -> dict[str, Any]:
    client.runs.wait(thread_id, GRAPH, command={"resume": answer}, context=context(model, human_review=True))
    return dict(client.threads.get_state(thread_id))


def test_human_review_feedback_then_approve(server_url: str, scripted: list[ScriptedServer], paper_url: str) -> None:
    model = start(scripted, writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH, input={"source": paper_url}, context=context(model, human_review=True))
    state = client.threads.get_state(thread_id)
    assert state["next"] == ["review"]
    payload = state["tasks"][0]["interrupts"][0]["value"]
    assert payload["round"] == 1 and payload["verdict"] == "PASS" and payload["summary"].startswith(f"# {TITLE}")

    state = _review(client, thread_id, "Please explain the method in simpler words.", model)
    assert state["next"] == ["review"]  # round 2 was written and judged, and waits for review again
    attempts = state["values"]["attempts"]
    assert attempts[0]["review"] == "Please explain the method in simpler words."
    assert attempts[0]["verdict"]["evaluation"] == "NEEDS_IMPROVEMENT"
    assert "Please explain the method in simpler words." in model.requests[2]["messages"][-1]["content"]

    state = _review(client, thread_id, "", model)  # unclear: asked again, never taken as approval
    assert state["next"] == ["review"]
    assert "neither an approval nor feedback" in state["tasks"][0]["interrupts"][-1]["value"]["problem"]

    state = _review(client, thread_id, "approve", model)
    assert state["next"] == []
    assert [a["verdict"]["evaluation"] for a in state["values"]["attempts"]] == ["NEEDS_IMPROVEMENT", "PASS"]
    assert state["values"]["result"]["status"] == "passed"


def test_the_cli_runs_a_reading_list_on_the_server_with_the_same_files_and_exit_code(
    server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str], tmp_path: Path
) -> None:
    """Three papers through `--server`: a local file (uploaded by the client: the server reads no
    local files), a URL, and a URL the server gets a 404 for. Exit 2 and the same files as the
    local batch: two summaries with reports, and a digest with three entries."""
    from tests.integration_tests.test_cli import cli

    folder, base = file_server
    (folder / "remote.md").write_text(paper_markdown(seed=4))
    (tmp_path / "local.md").write_text(paper_markdown(seed=5))
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    done = cli(
        "summarize", "local.md", f"{base}/remote.md", f"{base}/missing.md", "--server", server_url,
        "--model", "openai:scripted", "--base-url", model.url, "--min-words", "100", "--output-dir", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert sorted(done.stdout.split()) == ["out/local.summary.md", "out/remote.summary.md"]
    assert "HTTP 404" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("round 1 verdict: PASS") == 2  # progress streamed back for each paper
    report = (tmp_path / "out" / "local.report.json").read_text()
    assert (
        '"status": "passed"' in report
        and "judged by openai:scripted" in (tmp_path / "out" / "local.summary.md").read_text()
    )
    digest = (tmp_path / "out" / "digest.md").read_text()
    assert digest.count("\n## ") == 3 and "Failed: HTTP 404" in digest
    listed = cli("threads", "--server", server_url, cwd=tmp_path)
    assert listed.returncode == 0 and "local.md" in listed.stdout
    assert "missing.md" not in listed.stdout  # a source that never became a paper leaves no thread
    from paper_summarizer import ThreadInfo, threads

    served = threads(server=server_url)  # the same call and type as a local `threads`
    assert all(isinstance(t, ThreadInfo) for t in served)
    ours = [t for t in served if t.source.endswith(("local.md", "remote.md"))]
    assert len(ours) == 2 and all(t.status == "passed" and t.rounds == 1 for t in ours)


@pytest.mark.parametrize(
    ("extra", "node"),
    [
        ({"context_window": 3000, "max_output_tokens": 300, "draft_mode": "whole"}, "condense"),
        ({"draft_mode": "outline"}, "write_section"),
    ],
    ids=["condense", "outline"],
)
def test_every_drafting_path_runs_in_the_servers_event_loop_without_blocking_it(
    server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str], extra: dict[str, Any], node: str
) -> None:
    """The nodes are async; `langgraph dev` fails a run that makes a blocking call in one
    (BlockingError). A long paper condensed part by part, and a summary written section by
    section, both finish."""
    from tests.unit_tests.test_condense import long_paper

    folder, base = file_server
    long_paper(folder)
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    seen = [
        part.data
        for part in client.runs.stream(
            thread_id, GRAPH, input={"source": f"{base}/long.md"}, context=context(model, max_iterations=1, **extra),
            stream_mode="updates",
        )
    ]  # fmt: skip
    assert not any(part.get("error") for part in seen if isinstance(part, dict)), seen[-1:]
    assert any(node in update for update in seen if isinstance(update, dict))
    assert client.threads.get_state(thread_id)["values"]["result"]["rounds"] == 1


def _thread_of(server_url: str, source: str) -> str:
    """The thread the CLI created for `source` (its metadata names the source; `langgraph dev`
    keeps threads across restarts, so the tests' sources have names of their own)."""
    found = get_sync_client(url=server_url).threads.search(metadata={"source": source}, limit=10)
    assert len(found) == 1, found
    return str(found[0]["thread_id"])


def test_history_and_resume_with_a_raised_cap_work_against_the_server(
    server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    from tests.integration_tests.test_cli import cli

    name = f"capped-{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.md").write_text(paper_markdown(seed=6))
    model = start(scripted, writer_and_judge(["# Short\n\nToo short.", summary(150)], [verdict_json("PASS")]))
    args = ["--server", server_url]
    done = cli(
        "summarize", f"{name}.md", *args, "--model", "openai:scripted", "--base-url", model.url, "--min-words", "100",
        "--max-iterations", "1", "--output-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # the round cap, as locally
    thread_id = _thread_of(server_url, f"{name}.md")

    shown = cli("history", thread_id, *args, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "cap reached" in shown.stdout and "round 1" in shown.stdout and "word_count" in shown.stdout

    resumed = cli("resume", thread_id, *args, "--max-iterations", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr  # round 2 written on the server, and passed
    assert resumed.stdout.strip() == f"out/{name}.summary.md"  # the folder the run started with
    report = json.loads((tmp_path / "out" / f"{name}.report.json").read_text())
    assert report["status"] == "passed" and report["rounds"] == 2 and report["thread_id"] == thread_id

    missing = cli("history", "no-such-thread", *args, cwd=tmp_path)
    assert missing.returncode == 2 and "no thread 'no-such-thread'" in missing.stderr


def test_review_works_against_the_server(server_url: str, scripted: list[ScriptedServer], tmp_path: Path) -> None:
    """--review with --server: the server's run waits for the reviewer, the CLI asks here and
    resumes the run with the answer: feedback first (another round), then approval."""
    from tests.integration_tests.test_cli import cli

    (tmp_path / "reviewed.md").write_text(paper_markdown(seed=7))
    model = start(scripted, writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")]))
    done = cli(
        "summarize", "reviewed.md", "--server", server_url, "--review", "--model", "openai:scripted",
        "--base-url", model.url, "--min-words", "100", cwd=tmp_path,
        answers="Please explain the method in simpler words.\napprove\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("summary for review") == 2
    assert "Please explain the method in simpler words." in model.requests[2]["messages"][-1]["content"]
    report = json.loads((tmp_path / "reviewed.report.json").read_text())
    assert report["rounds"] == 2 and report["attempts"][0]["review"] == "Please explain the method in simpler words."
    assert "approved by a human reviewer" in (tmp_path / "reviewed.summary.md").read_text()


def test_a_locked_deployment_does_not_send_its_key_to_a_model_server_the_run_names(
    locked_server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    import base64

    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    upload = {"name": "p.md", "content_base64": base64.b64encode(paper_markdown().encode()).decode()}
    client = get_sync_client(url=locked_server_url)
    thread_id = client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, GRAPH, input={"source": "p.md", "upload": upload}, context=context(model))
    error = client.runs.join(thread_id, run["run_id"])
    assert client.runs.get(thread_id, run["run_id"])["status"] == "error"
    assert "does not let a run choose its model server" in str(error)
    assert model.requests == []  # nothing, and no key, reached the server the run named


def _upload(name: str, data: bytes) -> dict[str, Any]:
    import base64

    return {"source": name, "upload": {"name": name, "content_base64": base64.b64encode(data).decode()}}


def _error_of_run(url: str, run_input: dict[str, Any], ctx: dict[str, Any]) -> str:
    """The one line a failed run reports to the SDK caller, with its kind."""
    client = get_sync_client(url=url)
    thread_id = client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, GRAPH, input=run_input, context=ctx)
    joined = client.runs.join(thread_id, run["run_id"])
    assert client.runs.get(thread_id, run["run_id"])["status"] == "error"
    return json.dumps(joined)


@pytest.mark.parametrize(
    ("asked", "refusal"),
    [
        (
            {"max_iterations": 1000},
            "max_iterations=1000 is over this deployment's ceiling of 4 (PAPER_SUMMARIZER_MAX_ITERATIONS_CEILING)",
        ),
        ({"max_output_tokens": 1_000_000}, "max_output_tokens=1000000 is over this deployment's ceiling of 8192"),
        ({"max_download_mb": 100_000}, "max_download_mb=100000 is over this deployment's ceiling of 50"),
        ({"context_window": 10_000_000}, "context_window=10000000 is over this deployment's ceiling of 32000"),
        ({"max_model_calls": 10_000}, "max_model_calls=10000 is over this deployment's ceiling of 200"),
        ({"model": "openai:gpt-4o-expensive"}, "model 'openai:gpt-4o-expensive' is not a model this deployment allows"),
        ({"evaluator_model": "openai:gpt-5"}, "evaluator_model 'openai:gpt-5' is not a model this deployment allows"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else "",
)
def test_a_locked_deployment_refuses_a_context_over_its_ceilings_or_with_another_model(
    locked_server_url: str, asked: dict[str, Any], refusal: str
) -> None:
    error = _error_of_run(locked_server_url, _upload("p.md", paper_markdown().encode()), {"model": SCRIPTED, **asked})
    assert refusal in error and "BadInputError" in error


def test_a_locked_deployment_refuses_archives_and_oversize_uploads_before_storing_them(
    locked_server_url: str, tmp_path: Path
) -> None:
    """Uploads over the body limit are refused at the door (413) without the server's memory
    growing by more than that limit; a run may lower its own upload limit; a ZIP archive, or a
    .docx that is only a ZIP, is refused by type."""
    import io
    import zipfile

    import httpx

    ctx = {"model": SCRIPTED}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("paper.txt", "A" * 10_000_000)  # 10 MB of text in 10 KB
    for name in ("paper.zip", "paper.docx"):
        error = _error_of_run(locked_server_url, _upload(name, archive.getvalue()), ctx)
        assert f"{name} is a ZIP archive; this deployment reads PDF, HTML, plain text, markdown and DOCX" in error
    error = _error_of_run(locked_server_url, _upload("p.md", b"x" * 1_500_000), {**ctx, "max_download_mb": 1})
    assert "p.md is larger than the 1 MB limit" in error

    client = get_sync_client(url=locked_server_url)
    thread_id = client.threads.create()["thread_id"]
    before = _server_memory(locked_server_url)
    for _ in range(3):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            big = _upload("big.pdf", b"%PDF-1.7 " + b"0" * 15_000_000)
            client.runs.create(thread_id, GRAPH, input=big, context=ctx)
        assert refused.value.response.status_code == 413
    grown = _server_memory(locked_server_url) - before
    # Read whole, these 60 MB of bodies grow it by hundreds of MB (930 MB measured for 3 x 60 MB).
    assert grown < 30_000_000, f"the server grew by {grown / 1e6:.0f} MB"
    assert client.threads.get(thread_id)["status"] == "idle"  # no run was stored


def _server_memory(url: str) -> int:
    """Resident bytes of the langgraph dev process serving `url` (found by its --port)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if b"dev" in args and b"--port" in args and args[args.index(b"--port") + 1] == port.encode():
                status = (proc / "status").read_text()
                return int(status.split("VmRSS:")[1].split()[0]) * 1024
        except (OSError, IndexError):
            continue
    raise AssertionError(f"no langgraph dev process on port {port}")


def test_hidden_instructions_in_a_pdf_do_not_reach_the_models(
    server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    """Each kind of hidden text, carrying an instruction to the judge, stays out of every prompt
    the writer and the judge get, while the visible text of the same page goes in; the result
    says what was left out."""
    from tests.hostile_pdfs import HIDDEN, HIDDEN_TEXT

    for name, make in HIDDEN_TEXT.items():
        model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
        client = get_sync_client(url=server_url)
        thread_id = client.threads.create()["thread_id"]
        data = make(tmp_path / f"{name}.pdf").read_bytes()
        run_context = context(model, max_iterations=1)  # one round: the writer's prompt, and the judge's if asked
        final = client.runs.wait(thread_id, GRAPH, input=_upload(f"{name}.pdf", data), context=run_context)
        assert isinstance(final, dict) and final["result"]["status"] in ("passed", "cap reached"), name
        prompts = json.dumps(model.requests)
        assert model.requests and HIDDEN.split()[0] not in prompts and "ANSWER PASS" not in prompts, name
        assert "judged without a human in the loop" in prompts, name  # the visible prose
        assert "characters of text a reader cannot see" in final["result"]["left_out"], name
        assert final["result"]["left_out"] in final["result"]["markdown"]


def test_a_network_failure_reaches_the_caller_with_its_message(locked_server_url: str) -> None:
    error = _error_of_run(locked_server_url, {"source": "http://no-such-host.invalid/paper.pdf"}, {"model": SCRIPTED})
    assert "NetworkError" in error and "cannot resolve no-such-host.invalid" in error
    # The issue's case: this name resolves to loopback on some machines (refused) and to nothing
    # on others (a network failure); either way the caller reads why, not "internal error".
    error = _error_of_run(locked_server_url, {"source": "http://localhost./paper.pdf"}, {"model": SCRIPTED})
    assert "cannot resolve localhost." in error or "refusing to fetch http://localhost./paper.pdf" in error
    assert "internal error" not in error.lower()


def test_a_pdf_that_crashes_its_converter_fails_its_run_and_the_server_goes_on(
    locked_server_url: str, tmp_path: Path
) -> None:
    """Forms that draw forms ten levels deep crashed PDFium and, in-process, the whole server and
    every run on it. In a worker, only that run fails, with one line, and the server serves on."""
    from tests.hostile_pdfs import make_xobject_laughs

    laughs = make_xobject_laughs(tmp_path / "laughs.pdf").read_bytes()
    error = _error_of_run(locked_server_url, _upload("laughs.pdf", laughs), {"model": SCRIPTED})
    assert re.search(r"laughs\.pdf: (the converter crashed|converting needs more than the 1024 MB)", error), error
    assert "ConversionError" in error
    assert httpx.get(f"{locked_server_url}/ok", timeout=5).status_code == 200
    error = _error_of_run(
        locked_server_url, _upload("p.md", paper_markdown().encode()), {"model": SCRIPTED, "max_iterations": 9}
    )
    assert "max_iterations=9 is over" in error  # a new run is taken and checked


# --- the same scenarios through both backends: this machine's graph and the deployment's ----------


def _where(backend: str, server_url: str, tmp_path: Path) -> dict[str, Any]:
    return {"server": server_url} if backend == "server" else {"checkpoint_db": str(tmp_path / "c.sqlite")}


def _section_prompts(model: ScriptedServer, since: int = 0) -> list[str]:
    firsts = [next(m for m in r["messages"] if m["role"] == "user") for r in model.requests[since:]]
    return [str(m["content"]) for m in firsts if str(m["content"]).startswith("You are writing one section")]


@pytest.mark.parametrize("backend", ["local", "server"])
def test_a_capped_outline_thread_given_more_rounds_drafts_by_outline_on_either_backend(
    backend: str, server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    """More rounds enter through the graph's routing, which keeps the run's drafting path: round
    2 of an outline run is written section by section again, here and on the server."""
    from paper_summarizer import resume, summarize

    model = start(scripted, writer_and_judge([prose(40, 3)], [verdict_json("NEEDS_IMPROVEMENT")]))
    paper = tmp_path / f"outline-{uuid.uuid4().hex[:8]}.md"
    paper.write_text(paper_markdown(seed=8))
    where = _where(backend, server_url, tmp_path)
    settings = context(model, draft_mode="outline", max_iterations=1)
    first = summarize(str(paper), settings, output_dir=tmp_path, **where)
    assert first.status == Status.CAP_REACHED and first.rounds == 1
    before = len(model.requests)
    again = resume(first.thread_id, overrides={"max_iterations": 2}, **where)
    assert again.rounds == 2 and again.result is not None
    writes = [r for r in model.requests[before:] if role_of(r) == "writer"]
    assert writes and len(_section_prompts(model, before)) == len(writes), "round 2 was not written by outline"


@pytest.mark.parametrize("backend", ["local", "server"])
def test_a_chinese_outline_run_asks_for_chinese_and_has_chinese_headings_on_either_backend(
    backend: str, server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    from paper_summarizer import summarize

    model = start(scripted, writer_and_judge(["这是一个关于论文的段落。"], [verdict_json("NEEDS_IMPROVEMENT")]))
    paper = tmp_path / f"chinese-{uuid.uuid4().hex[:8]}.md"
    paper.write_text(paper_markdown(seed=9))
    settings = context(model, draft_mode="outline", max_iterations=1, language="Chinese")
    done = summarize(str(paper), settings, output_dir=tmp_path, **_where(backend, server_url, tmp_path))
    asked = _section_prompts(model)
    assert asked and all("Write in Chinese" in prompt for prompt in asked)
    assert done.result is not None and "## 问题" in done.result["summary"] and "## 方法" in done.result["summary"]


@pytest.mark.parametrize("backend", ["local", "server"])
def test_a_scanned_pdf_exits_2_and_a_bad_source_leaves_no_thread_on_either_backend(
    backend: str, server_url: str, tmp_path: Path
) -> None:
    """Errors cross the server boundary by type (a ScannedPdfError is bad input there too), and
    a source that never became a paper leaves no thread behind on either backend."""
    from paper_summarizer import threads
    from tests.integration_tests.test_cli import cli
    from tests.pdf_factory import make_scanned_pdf

    name = f"scan-{uuid.uuid4().hex[:8]}"
    make_scanned_pdf(tmp_path / f"{name}.pdf", "A page of a long scanned book.", pages=61)
    where = _where(backend, server_url, tmp_path)
    flag = ["--server", server_url] if backend == "server" else ["--checkpoint-db", where["checkpoint_db"]]
    done = cli("summarize", f"{name}.pdf", *flag, "--model", SCRIPTED, "--base-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "scanned PDF of 61 pages" in done.stderr and "Traceback" not in done.stderr
    assert not [t for t in threads(**where) if t.source.endswith(f"{name}.pdf")]


def _reading_list_script(body: dict[str, Any], n: int) -> Reply:
    """A model for the reading list: each paper's summary by its title, the overview, a passing judge."""
    if role_of(body) == "reviewer":
        return Reply(verdict_json("PASS", n_criteria=6))
    content = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
    if "reading list" in content:
        return Reply(overview())
    return Reply(list_summary(next(t for t in LIST_TITLES if f"# {t}\n" in content)))


def test_a_reading_list_runs_on_the_server_and_its_result_is_the_final_state(
    server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str], tmp_path: Path
) -> None:
    """The reading_list graph, served: each paper summarized in its subgraph, a missing one its
    error, and the overview, in the server's event loop without blocking it."""
    folder, base = file_server
    names = [Path(p).name for p in write_reading_list(folder)]

    model = start(scripted, _reading_list_script)
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    sources = [*(f"{base}/{name}" for name in names), f"{base}/missing.md"]
    final = client.runs.wait(thread_id, "reading_list", input={"sources": sources}, context=context(model))
    assert isinstance(final, dict) and "__error__" not in final, final
    result = final["result"]
    assert result["status"] == "passed" and all(f"[{n}]" in result["overview"] for n in (1, 2, 3))
    assert [p["result"]["status"] for p in result["papers"][:3]] == ["passed"] * 3
    assert "HTTP 404" in result["papers"][3]["error"] and "Failed: HTTP 404" in result["digest"]
    assert client.threads.get_state(thread_id)["values"]["result"] == result


def test_the_cli_runs_a_reading_list_with_its_overview_as_one_run_here_and_on_the_server(
    server_url: str, scripted: list[ScriptedServer], file_server: tuple[Path, str], tmp_path: Path
) -> None:
    """`summarize A B C D --synthesis`: one run of the reading-list graph, on this machine or as
    one run on the deployment (local files uploaded), with the same files either way: each
    paper's summary, digest.md, synthesis.md and its report; a paper that cannot be read is its
    own error (exit 2) and the others go on."""
    from tests.integration_tests.test_cli import cli

    _, base = file_server

    model = start(scripted, _reading_list_script)
    names = [Path(p).name for p in write_reading_list(tmp_path)]
    outputs: dict[str, str] = {}
    for backend in ("local", "server"):
        where = ["--server", server_url] if backend == "server" else ["--checkpoint-db", str(tmp_path / "c.sqlite")]
        done = cli(
            "summarize", *names, f"{base}/missing.md", "--synthesis", "--topic", "How do gates help?", *where,
            "--concurrency", "2",
            "--model", SCRIPTED, "--base-url", model.url, "--min-words", "100", "--output-dir", backend, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr  # the missing paper: bad input, and the rest went on
        written = sorted(p.name for p in (tmp_path / backend).iterdir())
        assert [n for n in written if n.endswith(".summary.md")] == [n.replace(".md", ".summary.md") for n in names]
        assert {"digest.md", "synthesis.md", "synthesis.report.json"} <= set(written)
        assert "HTTP 404" in (tmp_path / backend / "digest.md").read_text()
        overview_text = (tmp_path / backend / "synthesis.md").read_text()
        assert all(f"[{n}]" in overview_text for n in (1, 2, 3))
        outputs[backend] = re.sub(r"thread [\w-]+", "thread T", overview_text)
    assert outputs["local"] == outputs["server"]


@pytest.mark.parametrize("backend", ["local", "server"])
def test_the_papers_figures_placed_by_the_writer_are_written_beside_the_summary_on_either_backend(
    backend: str, server_url: str, scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    """The writer places [[Figure 1]]; code puts in the crop from the PDF and the paper's caption,
    and the client writes <name>.figures/ with the PNG (the graph's result carries it, so the
    --server client writes the same files). A marker naming no figure fails a gate."""
    from tests.integration_tests.test_cli import cli
    from tests.pdf_factory import make_figures_pdf

    name = f"figs-{uuid.uuid4().hex[:8]}"
    make_figures_pdf(tmp_path / f"{name}.pdf")
    written = summary(150).replace("## The approach\n\n", "## The approach\n\n[[Figure 1]]\n\n[[Figure 9]]\n\n", 1)
    model = start(scripted, writer_and_judge([written], [verdict_json("PASS")]))
    where = ["--server", server_url] if backend == "server" else ["--checkpoint-db", str(tmp_path / "c.sqlite")]
    done = cli(
        "summarize", f"{name}.pdf", *where, "--model", SCRIPTED, "--base-url", model.url, "--min-words", "100",
        "--max-iterations", "1", "--output-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # capped: a summary of another paper, and a marker of no figure
    markdown = (tmp_path / "out" / f"{name}.summary.md").read_text()
    assert (
        f"![Figure 1: Loss over training steps for the five runs, lower is better.]({name}.figures/figure-1.png)"
        in (markdown)
    )
    assert "*Figure 1, in the paper's words:" in markdown and "[[Figure" not in markdown
    png = (tmp_path / "out" / f"{name}.figures" / "figure-1.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    report = json.loads((tmp_path / "out" / f"{name}.report.json").read_text())
    assert [(f["label"], f["page"]) for f in report["figures"]] == [("Figure 1", 1)]
    assert "png_base64" not in report["figures"][0]
    gates = report["attempts"][0]["verdict"]["gates"]
    assert any(g["name"] == "figures" and not g["passed"] and "[[Figure 9]]" in g["detail"] for g in gates)
