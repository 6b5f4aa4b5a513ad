"""Fit a paper into a model's context. Whole sections are kept in order of how much a summary
needs them (title and abstract, introduction, conclusion, then the rest in reading order), and
the reader is told what was left out: a paper is never cut silently."""

from __future__ import annotations

import re

from paper_summarizer.state import Part

# Conservative for English prose with numbers and symbols: most tokenizers give ~4 chars/token.
CHARS_PER_TOKEN = 3.5
PROMPT_OVERHEAD_TOKENS = 900  # instructions, criteria, feedback
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_FIRST = re.compile(r"abstract|introduction|overview|background", re.IGNORECASE)
_REFERENCES = re.compile(r"(\d+\.?\s*)?(references|bibliography)\b", re.IGNORECASE)
_LAST = re.compile(r"conclusion|discussion|summary|future work|limitations", re.IGNORECASE)


def tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def part_budget(context_window: int, max_output_tokens: int) -> int:
    """Tokens of paper per condense call: its instructions and notes must fit beside it."""
    return max(1000, min(context_window - max_output_tokens - 600, 8000))


def paper_budget(context_window: int, max_output_tokens: int) -> int:
    """Tokens left for the paper: the window less the answer, the previous attempt (shown when
    revising, at most one answer long) and the instructions. A summary needs far less than a
    large output limit, so the reserve is capped at a quarter of the window each."""
    answer = min(max_output_tokens, context_window // 4)
    return max(1000, context_window - 2 * answer - PROMPT_OVERHEAD_TOKENS)


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


def plan_parts(markdown: str, part_tokens: int, notes_tokens: int) -> list[Part]:
    """Cut the paper into parts of at most `part_tokens`, along section and paragraph breaks,
    in reading order; reference lists are left out (they tell a summary little)."""
    limit = int(part_tokens * CHARS_PER_TOKEN)
    parts: list[Part] = []
    offset = 0
    for heading, chunk in sections(markdown):
        start = markdown.index(chunk, offset)
        offset = start + len(chunk)
        if _REFERENCES.match(heading):
            continue
        pieces = _split(chunk, limit)
        for n, piece in enumerate(pieces):
            begin = markdown.index(piece, start)
            label = heading or "Opening"
            label += f" (part {n + 1} of {len(pieces)})" if len(pieces) > 1 else ""
            last = parts[-1] if parts else None
            if last is not None and not n and last["end"] == begin and (begin + len(piece) - last["start"]) <= limit:
                last["end"] = begin + len(piece)  # small neighbouring sections travel together
                last["heading"] = f"{last['heading']}; {label}"
            else:
                parts.append(Part(index=len(parts), heading=label, start=begin, end=begin + len(piece), words=0))
            start = begin + len(piece)
    words = max(60, int(notes_tokens * 0.75 / max(1, len(parts))))
    return [Part(**{**p, "words": words}) for p in parts]


def _split(chunk: str, limit: int) -> list[str]:
    if len(chunk) <= limit:
        return [chunk]
    pieces, current = [], ""
    for paragraph in re.split(r"(?<=\n\n)", chunk):
        while len(paragraph) > limit:  # one huge paragraph: cut it, there is no better break
            if current:
                pieces.append(current)
                current = ""
            pieces.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        if len(current) + len(paragraph) > limit:
            pieces.append(current)
            current = ""
        current += paragraph
    return [*pieces, current] if current else pieces
