"""The real `langgraph dev` server on a free port, for tests and benchmarks: the repository's
graph, without reload or analytics, started in a fresh folder beside its log.

Why a folder of its own: the dev server keeps every thread in its working directory's
`.langgraph_api/`, loads them all at start and rewrites them every 10 seconds. Run from the
repository, it carried the threads of every earlier test run (55 MB after a few sessions), and
each server was slower than the last. LANGGRAPH_DISABLE_FILE_PERSISTENCE cannot stop it: `langgraph
dev` sets that variable from the config's `disable_persistence`, and langgraph-cli 0.4.40's config
validation drops that key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


class LanggraphDevUnavailable(RuntimeError):
    """The server exited or did not answer; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_langgraph_dev(
    log: Path, jobs: int = 1, graphs: dict[str, str] | None = None, **extra_env: str
) -> Iterator[str]:
    """Yield the server's URL. The environment is this one, less
    API keys and paper-summarizer settings (a deployment has its own), plus `extra_env`. `jobs`:
    runs its one worker takes on at once (`langgraph dev` takes 1 unless told; a deployment's
    N_JOBS_PER_WORKER defaults to 10). `graphs`: more graphs to serve beside ours, as
    langgraph.json names them ("/absolute/path.py:attribute")."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("PAPER_SUMMARIZER_")}
    env.update(
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGSMITH_TRACING="false",
        **extra_env,
    )
    # The repository's config with absolute paths, so the server can run elsewhere; without its
    # `env` file, as the environment above is the deployment's.
    workdir = Path(tempfile.mkdtemp(prefix=f"{log.stem}.", dir=log.parent))
    config = json.loads((REPO / "langgraph.json").read_text())
    config.pop("env", None)
    config["dependencies"] = [str(REPO)]
    config["graphs"] = {name: str(REPO / path) for name, path in config["graphs"].items()} | (graphs or {})
    (workdir / "langgraph.json").write_text(json.dumps(config))
    langgraph = Path(sys.executable).with_name("langgraph")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(langgraph), "dev", "--no-browser", "--no-reload", "--port", str(port),
                "--n-jobs-per-worker", str(jobs),
            ],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise LanggraphDevUnavailable(f"langgraph dev did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
