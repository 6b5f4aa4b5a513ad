"""Fit a paper into a model's context. Whole sections are kept in order of how much a summary
needs them (title and abstract, introduction, conclusion, then the rest in reading order), and
the reader is told what was left out: a paper is never cut silently."""

from __future__ import annotations

import re

# Conservative for English prose with numbers and symbols: most tokenizers give ~4 chars/token.
CHARS_PER_TOKEN = 3.5
PROMPT_OVERHEAD_TOKENS = 900  # instructions, criteria, feedback
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_FIRST = re.compile(r"abstract|introduction|overview|background", re.IGNORECASE)
_REFERENCES = re.compile(r"(\d+\.?\s*)?(references|bibliography)\b", re.IGNORECASE)
_LAST = re.compile(r"conclusion|discussion|summary|future work|limitations", re.IGNORECASE)


def tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def paper_budget(context_window: int, max_output_tokens: int) -> int:
    """Tokens left for the paper: the window less the answer, the previous attempt (shown when
    revising, at most one answer long) and the instructions."""
    return max(1000, context_window - 2 * max_output_tokens - PROMPT_OVERHEAD_TOKENS)


def sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, text) pairs in reading order; text before the first heading has heading ''."""
    starts = [m.start() for m in _HEADING.finditer(markdown)]
    bounds = [0, *starts] if not starts or starts[0] != 0 else starts
    out = []
    for start, end in zip(bounds, [*bounds[1:], len(markdown)], strict=False):
        chunk = markdown[start:end]
        match = _HEADING.match(chunk)
        out.append((match.group(1).strip() if match else "", chunk))
    return [s for s in out if s[1].strip()]


def fit(markdown: str, max_tokens: int) -> tuple[str, str]:
    """(text that fits, notice for the reader or '')."""
    if tokens(markdown) <= max_tokens:
        return markdown, ""
    # Reference lists cost many tokens and tell a summary little: they go first.
    parts = [p for p in sections(markdown) if not _REFERENCES.match(p[0])]
    order = sorted(
        range(len(parts)),
        key=lambda i: (0 if i == 0 or _FIRST.search(parts[i][0]) else 1 if _LAST.search(parts[i][0]) else 2, i),
    )
    budget = int(max_tokens * CHARS_PER_TOKEN)
    keep: dict[int, str] = {}
    for i in order:
        chunk = parts[i][1]
        if len(chunk) <= budget:
            keep[i] = chunk
            budget -= len(chunk)
        elif budget > 500:
            # Cut the section at a paragraph break so the model does not read half a sentence.
            head = chunk[:budget]
            keep[i] = head[: head.rfind("\n\n")] if "\n\n" in head else head
            budget = 0
    dropped = [parts[i][0] or "opening text" for i in range(len(parts)) if i not in keep]
    text = "\n\n[…]\n\n".join(keep[i].strip() for i in sorted(keep))
    notice = (
        f"The paper was shortened to fit the model's context: {len(text):,} of "
        f"{len(markdown):,} characters kept"
        + (f"; left out: {', '.join(dropped[:12])}" + (" …" if len(dropped) > 12 else "") if dropped else "")
        + "."
    )
    return text, notice
