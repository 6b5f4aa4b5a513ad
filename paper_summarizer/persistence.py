"""Where runs are kept: a SQLite file by default, PostgreSQL for deployments with several
workers. Each gives a checkpointer (the steps of every thread) and a store (paper text, thread
settings), opened together and closed together."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore

from paper_summarizer.errors import BadInputError, first_line

# First-time table creation is not safe to run twice at once (two runs on a fresh file race to
# record the same migration), so setup is serialized in this process, whichever event loop asks.
_SETUP_LOCK = threading.Lock()


def default_location() -> str:
    if os.environ.get("PAPER_SUMMARIZER_CHECKPOINT_DB"):
        return os.environ["PAPER_SUMMARIZER_CHECKPOINT_DB"]
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return str(Path(state_home) / "paper-summarizer" / "checkpoints.sqlite")


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


@asynccontextmanager
async def open_persistence(
    location: str | None = None,
) -> AsyncIterator[tuple[BaseCheckpointSaver[str], BaseStore]]:
    """The async saver and store (the graph's nodes are async), open for the block."""
    location = location or default_location()
    async with AsyncExitStack() as stack:
        await asyncio.to_thread(_SETUP_LOCK.acquire)  # waits in a thread, not in the event loop
        try:
            saver, store = await _open(location, stack)
        except BadInputError:
            raise
        except Exception as exc:  # psycopg, sqlite3 and OS errors all mean "cannot use this"
            first = first_line(str(exc)) or type(exc).__name__
            raise BadInputError(f"cannot use the checkpoint database {_redact(location)}: {first}") from exc
        finally:
            _SETUP_LOCK.release()
        yield saver, store


async def _open(location: str, stack: AsyncExitStack) -> tuple[BaseCheckpointSaver[str], BaseStore]:
    if is_postgres(location):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from langgraph.store.postgres.aio import AsyncPostgresStore

        pg_saver = await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(location))
        pg_store = await stack.enter_async_context(AsyncPostgresStore.from_conn_string(location))
        await pg_saver.setup()
        await pg_store.setup()
        return pg_saver, pg_store

    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.store.sqlite.aio import AsyncSqliteStore

    path = Path(location).expanduser()
    if path.is_dir():
        raise BadInputError(f"checkpoint database {location} is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    # One connection and one lock for both. With a connection each, the store's transactions
    # (read, then write) failed at once with "database is locked" whenever a checkpoint had been
    # written in between, which concurrent papers do all the time; SQLite does not wait there.
    conn = await stack.enter_async_context(aiosqlite.connect(str(path)))
    saver, store = AsyncSqliteSaver(conn), AsyncSqliteStore(conn)
    store.lock = saver.lock
    await saver.setup()  # a file that is not SQLite fails here, not mid-run
    await store.setup()
    # The store's setup expects an autocommit connection and leaves its migration rows in an open
    # transaction here; its later work runs in explicit BEGIN/COMMIT blocks, the saver's ends in commit().
    await conn.commit()
    return saver, store


def _redact(location: str) -> str:
    # Never echo a password from a connection URL.
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", location)
