from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paper_summarizer import models
from tests.factories import write_paper
from tests.fakes import RecordingFake
from tests.scripted_server import Script, ScriptedServer

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PAPER = REPO / "examples" / "sample-paper.pdf"


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tests never pick a model or a database from the developer's environment.
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name.startswith(("PAPER_SUMMARIZER_", "LANGSMITH_", "LANGCHAIN_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPER_SUMMARIZER_CHECKPOINT_DB", str(tmp_path / "default-checkpoints.sqlite"))
    monkeypatch.setenv("PAPER_SUMMARIZER_ARXIV_BASE", "http://127.0.0.1:9")  # refused, never the internet


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return write_paper(tmp_path)


@pytest.fixture
def scripted() -> Iterator[list[ScriptedServer]]:
    """Start scripted servers: `server = start(script)`; all are stopped after the test."""
    servers: list[ScriptedServer] = []
    yield servers
    for server in servers:
        server.stop()


def start(servers: list[ScriptedServer], script: Script) -> ScriptedServer:
    server = ScriptedServer(script).start()
    servers.append(server)
    return server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests.postgres import PostgresUnavailable, running_postgres

    try:
        with running_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise  # CI installs PostgreSQL: failing to start it there is a failure, not a skip
        pytest.skip(f"PostgreSQL cannot be started here: {exc}")


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve a folder over HTTP on 127.0.0.1: (folder, base URL). `/redirect?to=URL` answers
    302 with that Location, for redirect chains."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    folder = tmp_path / "www"
    folder.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", parse_qs(url.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, RecordingFake]]:
    """Writer and judge fakes; fill `fakes[...]` replies with `script(...)`."""
    made: dict[str, RecordingFake] = {}

    def load(name: str, base_url: str = "", max_tokens: int = 0) -> RecordingFake:
        return made[name]

    monkeypatch.setattr(models, "load", load)
    yield made
