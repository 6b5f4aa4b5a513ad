"""Untrusted documents are converted in worker processes, never in a process that runs graphs.

PDFium is not thread-safe, not even across documents: two papers converted at once in one
process can crash it or silently corrupt the text. And a hostile file can ask for gigabytes of
memory or hours of work. So every conversion (the layout pass, the text-layer safety net,
rendering and OCR, and markitdown's formats too) runs in a pool of worker processes, one per
core, started with `spawn` (never forked from a process with threads). Each worker has an
address-space limit (RLIMIT_AS) and each job a time limit. A worker that crashes or passes a
limit fails its own paper with one line; the pool starts a new worker and other papers go on.

The pool is pebble's (LGPL-3.0): unlike the standard library's, one dead worker fails only its
own job, and a job past its time limit is stopped by killing its worker."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import concurrent.futures.process
import logging
import multiprocessing
import resource
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from paper_summarizer.documents import limits as limits_module
from paper_summarizer.documents.limits import Limits
from paper_summarizer.documents.sources import Converted, Fetched
from paper_summarizer.errors import ConversionError, SourceError, first_line

if TYPE_CHECKING:
    from paper_summarizer.documents.figures import Figure

T = TypeVar("T")
# A worker converts this many papers, then a fresh one takes its place: what a large file left
# fragmented in its heap does not carry over to every paper after it.
TASKS_PER_WORKER = 25

_lock = threading.Lock()
_label = ""  # in a worker: the paper it is converting, named in each line it logs
_pool: Any = None  # pebble.ProcessPool, created on first use
_pool_shape = (0, 0)  # (workers, memory limit in MB) it was made with


def convert(doc: Fetched, label: str, limits: Limits | None = None) -> Converted:
    """(markdown, title) of a fetched document, converted in a worker process."""
    limits = limits or Limits.from_env()
    return run(_convert, doc, label, limits, label=label, limits=limits)


async def aconvert(doc: Fetched, label: str, limits: Limits | None = None) -> Converted:
    """`convert` for an event loop: it waits without blocking, and a cancelled run (Ctrl-C, a
    server's cancel) stops its worker."""
    limits = limits or Limits.from_env()
    return await arun(_convert, doc, label, limits, label=label, limits=limits)


async def afigures(doc: Fetched, label: str, limits: Limits | None = None) -> list[Figure]:
    """A PDF's figures (figures.pdf_figures), located and rendered in a worker process, within
    the same limits as its conversion."""
    limits = limits or Limits.from_env()
    return await arun(_figures, doc, label, limits, label=label, limits=limits)


def run(function: Callable[..., T], *args: Any, label: str, limits: Limits | None = None) -> T:
    """`function(*args)` in a worker, within `limits` (time and memory); a crash or a limit
    becomes one ConversionError about `label`."""
    limits = limits or Limits.from_env()
    for attempt in range(2):
        pool, future = _schedule(function, args, limits)
        try:
            return future.result()
        except BaseException as exc:
            future.cancel()  # Ctrl-C while waiting: stop the worker too
            if _broke(pool, exc) and attempt == 0:
                continue
            raise _explained(exc, label, limits) from None
    raise AssertionError("unreachable")


async def arun(function: Callable[..., T], *args: Any, label: str, limits: Limits | None = None) -> T:
    limits = limits or Limits.from_env()
    for attempt in range(2):
        # Handing a job to the pool writes to a pipe, and the first one starts the workers: both
        # block, so they run in a thread, not in the event loop that serves other runs.
        pool, future = await asyncio.to_thread(_schedule, function, args, limits)
        try:
            return await asyncio.wrap_future(future)  # cancelling the await cancels the job
        except Exception as exc:
            if _broke(pool, exc) and attempt == 0:
                continue
            raise _explained(exc, label, limits) from None
    raise AssertionError("unreachable")


def _schedule(
    function: Callable[..., T], args: tuple[Any, ...], limits: Limits
) -> tuple[Any, concurrent.futures.Future[T]]:
    pool = _pool_for(limits)
    try:
        return pool, pool.schedule(function, args=args, timeout=limits.seconds)
    except RuntimeError:  # pebble's pool broke (a worker died while none had a job): start afresh
        _discard(pool)
        pool = _pool_for(limits)
        return pool, pool.schedule(function, args=args, timeout=limits.seconds)


def _broke(pool: Any, exc: BaseException) -> bool:
    """Whether the job failed because the pool broke, not because of its file. Pebble gives up
    on the whole pool when a worker dies with no job of its own (killed while idle, say by the
    kernel's OOM killer): every job waiting in it fails with BrokenProcessPool, though none of
    them ran. Such a job is worth one more try, in a fresh pool."""
    if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
        _discard(pool)
        return True
    return False


def _pool_for(limits: Limits) -> Any:
    """The process's pool, started on first use (its workers then stay warm). Another memory
    limit or number of workers (set in the environment) takes a new pool, as a worker's limit is
    set when it starts."""
    global _pool, _pool_shape
    with _lock:
        shape = (limits_module.workers(), limits.memory_mb)
        if _pool is None or _pool_shape != shape:
            import pebble

            if _pool is not None:
                _pool.stop()
            _pool_shape = shape
            _pool = pebble.ProcessPool(
                max_workers=shape[0],
                max_tasks=TASKS_PER_WORKER,
                initializer=_start_worker,
                initargs=(limits.memory_mb, logging.getLogger("paper_summarizer").getEffectiveLevel()),
                context=multiprocessing.get_context("spawn"),
            )
        return _pool


def shutdown() -> None:
    """Stop the workers (at exit, or in a test that wants a fresh pool)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()
            _pool.join(timeout=5)
            _pool = None


atexit.register(shutdown)


def _discard(pool: Any) -> None:
    """Stop a broken pool, unless another job has already put a fresh one in its place."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool.stop()
            _pool = None


def _explained(exc: BaseException, label: str, limits: Limits) -> BaseException:
    """What went wrong in the worker, as one line about the file; the file's own errors (not a
    PDF, encrypted, too many pages) pass through as they are."""
    import pebble

    if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
        return ConversionError(
            f"{label}: the conversion workers stopped ({exc}); a script that calls paper_summarizer at its top "
            "level needs `if __name__ == '__main__':`, as the workers are spawned and import it again"
        )
    if isinstance(exc, pebble.ProcessExpired):
        code = exc.exitcode
        how = f"signal {signal.Signals(-code).name}" if code < 0 and -code in signal.valid_signals() else f"exit {code}"
        return ConversionError(
            f"{label}: the converter crashed on this file ({how}; the worker's memory limit is "
            f"{limits.memory_mb} MB, {limits_module.CONVERT_MEMORY_MB})"
        )
    if isinstance(exc, TimeoutError):
        return ConversionError(
            f"{label}: converting took longer than {limits.seconds:g} s ({limits_module.CONVERT_SECONDS})"
        )
    if isinstance(exc, MemoryError):
        return ConversionError(
            f"{label}: converting needs more than the {limits.memory_mb} MB memory limit "
            f"({limits_module.CONVERT_MEMORY_MB})"
        )
    return exc


# --- in the worker process ------------------------------------------------------------------


def _start_worker(memory_mb: int, log_level: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # What the converter says (a page kept as plain text, OCR progress) goes to the stderr this
    # worker shares with its parent, as one line, at the level the parent logs at.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_name_the_paper)
    package = logging.getLogger("paper_summarizer")
    package.handlers[:] = [handler]
    package.setLevel(log_level)
    package.propagate = False


def _name_the_paper(record: logging.LogRecord) -> bool:
    record.msg, record.args = f"{_label}: {record.getMessage()}", None
    return True


def _convert(doc: Fetched, label: str, limits: Limits) -> Converted:
    from paper_summarizer.documents import convert

    global _label
    _label = label
    try:
        return convert.to_markdown(doc, label, limits)
    except (SourceError, MemoryError):
        raise
    except Exception as exc:  # a library's own failure on this file (markitdown, OCR's runtime)
        if "bad_alloc" in str(exc):  # C++ ran out of the worker's address space
            raise MemoryError from None
        raise ConversionError(
            f"{label}: the converter failed on this file ({type(exc).__name__}: {first_line(str(exc))})"
        ) from None


def _figures(doc: Fetched, label: str, limits: Limits) -> list[Figure]:
    from paper_summarizer.documents import figures

    global _label
    _label = label
    try:
        return figures.pdf_figures(doc.data, limits)
    except MemoryError:
        raise
    except Exception as exc:  # PDFium's own failure on this file: the conversion says it too
        if "bad_alloc" in str(exc):
            raise MemoryError from None
        raise ConversionError(
            f"{label}: finding the figures failed ({type(exc).__name__}: {first_line(str(exc))})"
        ) from None
