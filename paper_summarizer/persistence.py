"""Where runs are kept: a SQLite file by default, PostgreSQL for deployments with several
workers. Each gives a checkpointer (the steps of every thread) and a store (paper text, thread
settings), opened together and closed together."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore

from paper_summarizer.errors import BadInputError, first_line

_SETUP_LOCK = threading.Lock()


def default_location() -> str:
    if os.environ.get("PAPER_SUMMARIZER_CHECKPOINT_DB"):
        return os.environ["PAPER_SUMMARIZER_CHECKPOINT_DB"]
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return str(Path(state_home) / "paper-summarizer" / "checkpoints.sqlite")


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


@contextmanager
def open_persistence(
    location: str | None = None,
) -> Iterator[tuple[BaseCheckpointSaver[str], BaseStore]]:
    location = location or default_location()
    with ExitStack() as stack:
        try:
            with _SETUP_LOCK:  # first-time table creation is not safe to run twice at once
                saver, store = _open(location, stack)
        except BadInputError:
            raise
        except Exception as exc:  # psycopg, sqlite3 and OS errors all mean "cannot use this"
            first = first_line(str(exc)) or type(exc).__name__
            raise BadInputError(f"cannot use the checkpoint database {_redact(location)}: {first}") from exc
        yield saver, store


def _open(location: str, stack: ExitStack) -> tuple[BaseCheckpointSaver[str], BaseStore]:
    if is_postgres(location):
        from langgraph.checkpoint.postgres import PostgresSaver
        from langgraph.store.postgres import PostgresStore

        pg_saver = stack.enter_context(PostgresSaver.from_conn_string(location))
        pg_store = stack.enter_context(PostgresStore.from_conn_string(location))
        pg_saver.setup()
        pg_store.setup()
        return pg_saver, pg_store

    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.store.sqlite import SqliteStore

    path = Path(location).expanduser()
    if path.is_dir():
        raise BadInputError(f"checkpoint database {location} is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    saver = stack.enter_context(SqliteSaver.from_conn_string(str(path)))
    store = stack.enter_context(SqliteStore.from_conn_string(str(path)))
    store.setup()
    saver.conn.execute("SELECT 1")  # a file that is not SQLite fails here, not mid-run
    return saver, store


def _redact(location: str) -> str:
    # Never echo a password from a connection URL.

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", location)
