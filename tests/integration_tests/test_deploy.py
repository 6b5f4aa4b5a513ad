"""The self-hosted deployment, checked as far as this machine can without Docker: the LangGraph
CLI makes a Dockerfile from langgraph.json, and the compose file names the services and the
environment the LangGraph Server documentation requires."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO


def test_langgraph_makes_a_dockerfile_that_serves_our_graph(tmp_path: Path) -> None:
    langgraph = Path(sys.executable).with_name("langgraph")
    target = tmp_path / "Dockerfile"
    done = subprocess.run(
        [str(langgraph), "dockerfile", "-c", str(REPO / "langgraph.json"), str(target)],
        capture_output=True, text=True, timeout=60, env={"LANGGRAPH_CLI_NO_ANALYTICS": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    dockerfile = target.read_text()
    assert dockerfile.startswith("FROM langchain/langgraph-api")
    # The image keeps the checkout under its folder's name.
    assert f'"paper_summarizer": "/deps/{REPO.name}/paper_summarizer/graph.py:graph"' in dockerfile


def test_the_compose_file_runs_the_server_with_postgres_and_redis_locked_down() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"langgraph-api", "langgraph-postgres", "langgraph-redis"}
    api = services["langgraph-api"]
    env = api["environment"]
    assert env["REDIS_URI"].startswith("redis://langgraph-redis:")
    assert env["DATABASE_URI"].startswith("postgres://") and "@langgraph-postgres:5432/" in env["DATABASE_URI"]
    assert env["PAPER_SUMMARIZER_ALLOW_LOCAL_FILES"] == "0" and env["PAPER_SUMMARIZER_ALLOW_PRIVATE_URLS"] == "0"
    assert env["PAPER_SUMMARIZER_ALLOW_MODEL_URLS"] == "0"
    assert env["HTTP_MAX_REQUEST_BODY_BYTES"] == "${HTTP_MAX_REQUEST_BODY_BYTES:-70000000}"
    assert api["depends_on"] == {
        "langgraph-redis": {"condition": "service_healthy"},
        "langgraph-postgres": {"condition": "service_healthy"},
    }
    assert "paper-summarizer" in api["image"]  # what `langgraph build -t paper-summarizer` makes
    example = (REPO / "deploy" / ".env.example").read_text()
    assert "LANGSMITH_API_KEY=" in example and "DEEPSEEK_API_KEY=" in example
