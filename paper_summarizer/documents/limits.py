"""How much one conversion may take: pages, seconds, memory, and pages of OCR. Untrusted bytes
can ask for anything (a 20,000-page file, a stream that inflates to gigabytes, an image of
50,000 x 50,000 pixels), so every parse is bounded. The deployment (or the user) sets these in
the environment; the defaults fit a real paper with room to spare."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

from paper_summarizer.errors import BadInputError

N = TypeVar("N", int, float)

MAX_PAGES = "PAPER_SUMMARIZER_MAX_PAGES"
CONVERT_SECONDS = "PAPER_SUMMARIZER_CONVERT_SECONDS"
CONVERT_MEMORY_MB = "PAPER_SUMMARIZER_CONVERT_MEMORY_MB"
MAX_OCR_PAGES = "PAPER_SUMMARIZER_MAX_OCR_PAGES"
CONVERT_WORKERS = "PAPER_SUMMARIZER_CONVERT_WORKERS"


@dataclass(frozen=True)
class Limits:
    max_pages: int = 1000  # the longest real papers (theses, software manuals) have a few hundred
    # A 46-page paper converts in about 1 s; OCR reads a page in about 2.2 s, so a scan of the
    # most pages OCR reads (below) fits too.
    seconds: float = 180.0
    memory_mb: int = 2048  # a worker's address space (RLIMIT_AS); OCR takes about 0.3 GB of it
    max_ocr_pages: int = 50  # a scan longer than this is a book, not a paper
    # Largest page OCR renders, in pixels at its 200 dpi: A4 is about 3.9 million, so this allows
    # an A1 poster and refuses a 14,400-point page (40,000 x 40,000 pixels).
    max_render_pixels: int = 36_000_000

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_pages=_number(MAX_PAGES, cls.max_pages, int),
            seconds=_number(CONVERT_SECONDS, cls.seconds, float),
            memory_mb=_number(CONVERT_MEMORY_MB, cls.memory_mb, int),
            max_ocr_pages=_number(MAX_OCR_PAGES, cls.max_ocr_pages, int),
        )


def workers() -> int:
    """Conversion worker processes: one per core, as conversion is CPU-bound."""
    return max(1, _number(CONVERT_WORKERS, os.cpu_count() or 1, int))


def _number(name: str, default: N, kind: type[N]) -> N:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BadInputError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise BadInputError(f"{name} must be positive, not {raw}")
    return value
