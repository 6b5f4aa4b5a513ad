"""Errors a user can cause, typed so the edges (CLI, API) turn them into one-line messages."""

from __future__ import annotations


class PaperSummarizerError(RuntimeError):
    """Base class; `exit_code` is what the CLI exits with. A RuntimeError, so a LangGraph Server
    tells its caller the error's class and one-line message instead of "an internal error", and
    the `--server` client rebuilds the same error from them (`rebuild`)."""

    exit_code = 1


class BadInputError(PaperSummarizerError, ValueError):
    """Bad input or usage: the user can fix it by changing what they passed. A ValueError, so a
    LangGraph Server shows its one-line message to the caller instead of hiding it as an internal
    error: the message is about the caller's own input."""

    exit_code = 2


class SourceError(BadInputError):
    """The paper cannot be read: missing file, bad URL, unreadable PDF, ..."""


class ScannedPdfError(SourceError):
    """A scanned PDF (no text layer) that cannot be read: no OCR engine, or over OCR's limits."""


class PdfLimitError(SourceError):
    """The PDF asks for more than a conversion may take (pages, OCR pages, page size)."""


class ConversionError(SourceError):
    """The converter crashed on a file, or passed a limit: the file's fault, never retried."""


class NetworkError(PaperSummarizerError):
    """The paper's host could not be reached (DNS, timeout, refused): not the user's input, and
    possibly gone on a retry, so exit 1 like any other failure, not 2."""


class UnreadableVerdictError(PaperSummarizerError):
    """The judge's replies could not be read. Retried by the graph (it is no fault of the
    summary's), then reported; the run can be resumed."""


class BudgetExceededError(PaperSummarizerError, ValueError):
    """A run reached its budget of model calls or tokens. It stops with its state checkpointed,
    so it can be resumed with a larger budget. A ValueError, so a LangGraph Server shows the
    caller this message rather than an internal error."""


class GraphSetupError(BadInputError):
    """The graph was built without something it needs (a store)."""


class ModelConfigError(BadInputError):
    """The model cannot be set up: unknown provider, missing API key, ..."""


class ThreadNotFoundError(BadInputError):
    """No stored run has this thread ID."""


def rebuild(kind: str, message: str) -> PaperSummarizerError | None:
    """The error a server reported by class name and message, as this package's own class (so
    its exit code is the same as a local run's), or None when it is not one of ours."""
    todo: list[type[PaperSummarizerError]] = [PaperSummarizerError]
    while todo:
        cls = todo.pop()
        if cls.__name__ == kind:
            return cls(message)
        todo += cls.__subclasses__()
    return None


def describe(exc: BaseException) -> tuple[str, int]:
    """One line and an exit code for any exception that reaches the edge."""
    if isinstance(exc, PaperSummarizerError):
        return str(exc), exc.exit_code
    try:
        import openai
    except ImportError:  # pragma: no cover - openai comes with langchain-openai
        openai = None  # type: ignore[assignment]
    if openai is not None and isinstance(exc, openai.APIStatusError):
        hint = {
            401: "check the API key",
            403: "the key has no access to this model",
            404: "check the model name and base URL",
        }.get(exc.status_code, "")
        detail = first_line(getattr(exc, "message", "") or str(exc))
        return f"model API error {exc.status_code}: {detail}" + (f" ({hint})" if hint else ""), 1
    if openai is not None and isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the model API: {first_line(str(exc))}", 1
    return f"{type(exc).__name__}: {first_line(str(exc))}", 1


def first_line(text: str) -> str:
    """The first non-empty line of a message, never an IndexError on an empty one."""
    return (text.strip().splitlines() or [""])[0][:300]
