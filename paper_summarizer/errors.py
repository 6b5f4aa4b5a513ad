"""Errors a user can cause, typed so the edges (CLI, API) turn them into one-line messages."""

from __future__ import annotations


class PaperSummarizerError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = 1


class BadInputError(PaperSummarizerError, ValueError):
    """Bad input or usage: the user can fix it by changing what they passed. A ValueError, so a
    LangGraph Server shows its one-line message to the caller instead of hiding it as an internal
    error: the message is about the caller's own input."""

    exit_code = 2


class SourceError(BadInputError):
    """The paper cannot be read: missing file, bad URL, unreadable PDF, ..."""


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
