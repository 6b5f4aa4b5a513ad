"""Bytes to markdown: PDFs with our PDFium converter, everything else with markitdown. A failed
or empty conversion is the user's bad input."""

from __future__ import annotations

import functools
import io
import re
import warnings
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from paper_summarizer.documents.limits import Limits
from paper_summarizer.documents.sources import Converted, Fetched
from paper_summarizer.errors import PdfLimitError, ScannedPdfError, SourceError

if TYPE_CHECKING:
    from markitdown import MarkItDown

MIN_TEXT_CHARS = 200
_MIMETYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html"}


def to_markdown(doc: Fetched, label: str, limits: Limits | None = None) -> Converted:
    """In this process: callers that run graphs go through `worker`, which runs this in a
    bounded worker process."""
    page_starts: tuple[int, ...] = ()
    anchors: tuple[tuple[str, str], ...] = ()
    if doc.extension == ".pdf":
        markdown, title, left_out, page_starts, _ = _pdf(doc.data, label, limits or Limits.from_env())
    else:
        (markdown, title), left_out = _markitdown(doc, label), ""
        if doc.extension in (".html", ".htm", ".xhtml"):
            anchors = heading_anchors(doc.data)
    text = markdown.strip()  # the PDF's text starts with its first word: its page offsets hold
    if len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS:
        raise SourceError(f"{label} has almost no text to summarize" + (f" ({left_out})" if left_out else ""))
    return Converted(text, (title or first_heading(text) or "").strip(), left_out, page_starts, anchors)


class _Headings(HTMLParser):
    """Each heading's text with the id of the nearest element around it (or its own) that has
    one: arXiv's HTML puts each section in a <section id="S3.SS2"> with its <h3> inside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []  # (tag, id) of the elements we are inside
        self.heading: list[str] | None = None
        self.heading_id = ""
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        own = dict(attrs).get("id") or ""
        if tag in _HEADINGS:
            self.heading = []
            self.heading_id = own or next((i for _, i in reversed(self.open) if i), "")
        elif tag not in _VOID:
            self.open.append((tag, own))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and self.heading is not None:
            text = " ".join("".join(self.heading).split())
            if text and self.heading_id:
                self.found.setdefault(text, self.heading_id)
            self.heading = None
            return
        for n in range(len(self.open) - 1, -1, -1):
            if self.open[n][0] == tag:
                del self.open[n:]
                break

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading.append(data)


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "base", "embed"}


def heading_anchors(data: bytes) -> tuple[tuple[str, str], ...]:
    parser = _Headings()
    try:
        parser.feed(data.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:  # anchors are a convenience: a page too broken for them has none
        return ()
    return tuple(parser.found.items())


def _pdf(data: bytes, label: str, limits: Limits) -> Converted:
    """Our converter directly (markitdown would dispatch to the same plugin, after a 1.2 s import).
    PDFium opens a PDF in milliseconds and says precisely why it cannot."""
    import pypdfium2

    from paper_summarizer.documents.pdf import convert_pdf

    if not data.lstrip().startswith(b"%PDF-"):
        raise SourceError(f"{label} is not a PDF (its contents do not start with %PDF-)")
    try:
        return convert_pdf(data, limits)
    except ScannedPdfError as exc:
        raise ScannedPdfError(f"{label} is {exc}") from None
    except PdfLimitError as exc:
        raise PdfLimitError(f"{label}: {exc}") from None
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise SourceError(f"{label} is an encrypted PDF; decrypt it first") from exc
        raise SourceError(f"cannot convert {label}: damaged or truncated PDF ({exc})") from exc


@functools.cache
def _converter() -> MarkItDown:
    """One converter for the process: building one loads Magika's file-type model (20 ms), once
    per paper before. Its converters keep no state between calls, so threads can share it."""
    from markitdown import MarkItDown

    return MarkItDown()


def _markitdown(doc: Fetched, label: str) -> tuple[str, str]:
    from markitdown import StreamInfo

    info = StreamInfo(extension=doc.extension or None, mimetype=_MIMETYPES.get(doc.extension), url=doc.url or None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = _converter().convert_stream(io.BytesIO(doc.data), stream_info=info)
    except Exception as exc:  # markitdown wraps every converter's failure differently
        reason = str(exc).strip().splitlines()
        raise SourceError(f"cannot convert {label}: {_reason(reason)}") from exc
    return result.markdown or "", result.title or ""


def _reason(lines: list[str]) -> str:
    # markitdown's messages start with a generic banner; the cause is on a later line.
    useful = [line for line in lines if line and not line.startswith(("File conversion failed", "Traceback"))]
    return (useful[-1] if useful else "unsupported or damaged file")[:200]


def first_heading(markdown: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return next((line.strip() for line in markdown.splitlines() if line.strip()), "")[:200]
