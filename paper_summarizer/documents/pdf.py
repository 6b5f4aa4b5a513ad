"""A markitdown plugin that converts PDFs with PDFium (pypdfium2, Apache-2.0/BSD): fast, with
spaces between words, reading order across two columns, markdown headings from font size and
weight, paragraphs with end-of-line hyphens undone, and running headers, page numbers and the
arXiv side stamp dropped. It never builds tables from body text.

markitdown keeps HTML, DOCX and the rest: `MarkItDown(enable_plugins=True)` loads this through the
`markitdown.plugin` entry point and tries it before its own (slower, headingless) PDF path.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, BinaryIO

import pypdfium2
import pypdfium2.raw as pdfium_c
from markitdown import DocumentConverter, DocumentConverterResult, StreamInfo

__plugin_interface_version__ = 1

_NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^\n]{1,110})$")
_KNOWN = re.compile(
    r"^(abstract|introduction|references|bibliography|acknowledge?ments?|appendix|appendices|"
    r"conclusions?|related work|discussion|limitations|background|contents)\b[.:]?$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm|Listing)\s*[A-Z]?\d+[.:]", re.IGNORECASE)
_ARXIV_STAMP = re.compile(r"arXiv:\s*\d{4}\.\d{4,5}(v\d+)?|arXiv:[a-z\-]+/\d{7}", re.IGNORECASE)
_SOFT_HYPHENS = "\ufffe\u00ad\u0002"


@dataclass
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def convert_pdf(data: bytes) -> tuple[str, str]:
    """(markdown, title)."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = [_page_lines(pdf, i) for i in range(len(pdf))]
        sizes = [pdf[i].get_size() for i in range(len(pdf))]
        metadata_title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    pages = _drop_running_lines(pages, sizes)
    body = _body_size(pages)
    title, pages = _take_title(pages, sizes, body, metadata_title)
    blocks: list[str] = [f"# {title}"] if title else []
    for lines, (width, _) in zip(pages, sizes, strict=True):
        blocks += _blocks(_reading_order(lines, width), body, width)
    return _tidy("\n\n".join(blocks)), title


def _page_lines(pdf: pypdfium2.PdfDocument, index: int) -> list[Line]:
    page = pdf[index]
    textpage = page.get_textpage()
    runs = []
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    for i in range(textpage.count_rects()):
        x0, y0, x1, y1 = textpage.get_rect(i)
        text = textpage.get_text_bounded(x0, y0, x1, y1)
        if not text.strip():
            continue
        if (y1 - y0) > 3 * (x1 - x0) and len(text.strip()) > 3:
            continue  # vertical text: the arXiv side stamp, rotated figure labels
        char = textpage.get_index(x0 + 0.5, (y0 + y1) / 2, 2, 2)
        size, bold = 0.0, False
        if char is not None and char >= 0:
            size = float(pdfium_c.FPDFText_GetFontSize(textpage, char))
            weight = int(pdfium_c.FPDFText_GetFontWeight(textpage, char))
            pdfium_c.FPDFText_GetFontInfo(textpage, char, name, 128, ctypes.byref(flags))
            font = name.value.decode("latin-1", "replace")
            bold = weight >= 600 or bool(re.search(r"Bold|\bBX|CMBX|Semibold|Black|Heavy", font))
        runs.append(Line(index, x0, y0, x1, y1, text, size, bold))
    textpage.close()
    page.close()
    return _merge_runs(runs)


def _merge_runs(runs: list[Line]) -> list[Line]:
    """Runs on one baseline and close together make a line; a column gap keeps them apart."""

    def middle(run: Line) -> float:
        return (run.y0 + run.y1) / 2

    rows: list[list[Line]] = []
    for run in sorted(runs, key=lambda r: -middle(r)):
        if rows and abs(middle(rows[-1][0]) - middle(run)) < 0.5 * max(rows[-1][0].height, run.height, 1):
            rows[-1].append(run)
        else:
            rows.append([run])
    lines: list[Line] = []
    for row in rows:
        last: Line | None = None
        for run in sorted(row, key=lambda r: r.x0):
            gap = run.x0 - last.x1 if last else 0.0
            if last is not None and -2 < gap < 1.5 * max(run.size, last.size, 6):
                tight = last.text.endswith(" ") or re.match(r"[,.;:)\]’']", run.text) or gap < 0.12 * max(run.size, 1)
                last.text += "" if tight else " "
                last.text += run.text
                last.x1, last.y0, last.y1 = max(last.x1, run.x1), min(last.y0, run.y0), max(last.y1, run.y1)
                last.bold = last.bold and run.bold
                last.size = max(last.size, run.size) if len(run.text) > len(last.text) / 2 else last.size
            else:
                last = Line(run.page, run.x0, run.y0, run.x1, run.y1, run.text, run.size, run.bold)
                lines.append(last)
    for line in lines:
        line.text = re.sub(r"[ \t\r\n]+", " ", line.text).strip()
    return [line for line in lines if line.text]


def _drop_running_lines(pages: list[list[Line]], sizes: list[tuple[float, float]]) -> list[list[Line]]:
    """Drop page numbers, running headers/footers (the same text in the margins of many pages)
    and the arXiv stamp."""

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    def in_margin(line: Line, height: float) -> bool:
        return line.y1 > height * 0.92 or line.y0 < height * 0.08

    seen = Counter(
        key(line)
        for lines, (_, h) in zip(pages, sizes, strict=True)
        for line in {key(x): x for x in lines if in_margin(x, h)}.values()
    )
    repeated = {k for k, n in seen.items() if n >= max(2, len(pages) * 0.4)}
    page_number = re.compile(r"[\divxlc]{1,5}|page \d+( of \d+)?")

    def running(line: Line, height: float) -> bool:
        return in_margin(line, height) and (key(line) in repeated or bool(page_number.fullmatch(line.text.lower())))

    out = []
    for lines, (_, height) in zip(pages, sizes, strict=True):
        out.append([line for line in lines if not running(line, height) and not _ARXIV_STAMP.search(line.text)])
    return out


def _body_size(pages: list[list[Line]]) -> float:
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            if 4 <= line.size <= 30:
                weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _take_title(
    pages: list[list[Line]], sizes: list[tuple[float, float]], body: float, fallback: str
) -> tuple[str, list[list[Line]]]:
    """The title: the largest text in the top half of page 1."""
    if not pages or not pages[0]:
        return fallback, pages
    height = sizes[0][1]
    top = [line for line in pages[0] if line.y0 > height * 0.45 and line.size <= 40]
    if top:
        biggest = max(line.size for line in top)
        if biggest >= body * 1.25:
            chosen = [line for line in top if line.size >= biggest - 0.5]
            if sum(len(line.text) for line in chosen) < 300:
                rest = [line for line in pages[0] if line not in chosen]
                return " ".join(line.text for line in chosen), [rest, *pages[1:]]
    return fallback, pages


def _reading_order(lines: list[Line], width: float) -> list[Line]:
    """Top to bottom; where the page has two columns, the left one before the right one. Lines
    that span the middle (titles, wide figures) cut the page into bands read in order."""
    middle = width / 2
    left = [line for line in lines if line.x1 <= middle + 8]
    right = [line for line in lines if line.x0 >= middle - 8]
    if len(left) < 5 or len(right) < 5:
        return sorted(lines, key=lambda line: (-line.y1, line.x0))
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        ordered.extend(sorted((x for x in band if x.x1 <= middle + 8), key=lambda x: -x.y1))
        ordered.extend(sorted((x for x in band if x.x1 > middle + 8), key=lambda x: -x.y1))
        band.clear()

    for line in sorted(lines, key=lambda line: -line.y1):
        spans = line.x0 < middle - 8 and line.x1 > middle + 8
        if spans:
            flush()
            ordered.append(line)
        else:
            band.append(line)
    flush()
    return ordered


def left_margins(lines: list[Line]) -> list[float]:
    """Where lines of text start on this page (one per column): headings start there too, while
    labels inside figures start anywhere."""
    starts = Counter(round(line.x0 / 4) * 4 for line in lines if len(line.text) > 30)
    return [float(x) for x, n in starts.items() if n >= 3] or [min((line.x0 for line in lines), default=0.0)]


def heading_level(line: Line, body: float, margins: list[float] | None = None) -> int:
    """2 for '3 Method' or 'References', 3 for '3.2 ...', 0 for body text."""
    text = line.text.strip()
    if len(text.split()) > 14 or len(text) > 120 or text.endswith((",", ";")):
        return 0
    emphasised = line.bold or line.size >= body * 1.1
    if not emphasised or line.size > body * 1.8:
        return 0
    if _KNOWN.match(text):
        return 2  # "Abstract" is often centred, so known names may stand anywhere
    if margins and min(abs(line.x0 - m) for m in margins) > 12:
        return 0
    match = _NUMBERED.match(text)
    if match and not text.endswith(".") and not re.search(r"\d[.,]\d", match.group("title")):
        return min(4, 2 + match.group("num").count("."))
    return 0


def _blocks(lines: list[Line], body: float, width: float) -> list[str]:
    blocks: list[str] = []
    paragraph: list[Line] = []
    margins = left_margins(lines)

    def flush() -> None:
        if paragraph:
            text = ""
            for line in paragraph:
                if not text:
                    text = line.text
                elif text[-1] in _SOFT_HYPHENS:
                    text = text[:-1] + line.text
                elif text.endswith("-") and line.text[:1].islower():
                    text += line.text  # a hyphenated compound broken at the line end
                else:
                    text += " " + line.text
            blocks.append(text)
            paragraph.clear()

    for line in lines:
        level = heading_level(line, body, margins)
        if level:
            flush()
            blocks.append("#" * level + " " + line.text.rstrip(".:"))
            continue
        if len(line.text) <= 2 and not line.text.isalpha():
            continue  # stray figure ticks and markers
        if abs(line.size - body) > body * 0.45 and line.size > 0:
            continue  # text drawn inside figures, in its own odd size
        prev = paragraph[-1] if paragraph else None
        if prev is not None:
            gap = prev.y0 - line.y1
            line_height = max(prev.height, line.height, 1)
            column_end = prev.x1 < (width / 2 if prev.x1 < width / 2 + 8 else width) * 0.82
            if (
                gap > 0.9 * line_height
                or gap < -3 * line_height  # jumped to the next column
                or _CAPTION.match(line.text)
                or (column_end and prev.text.endswith((".", "?", "!", ":")))
            ):
                flush()
        paragraph.append(line)
    flush()
    return blocks


def _tidy(markdown: str) -> str:
    markdown = re.sub(f"[{_SOFT_HYPHENS}]", "", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


class PdfiumConverter(DocumentConverter):
    def accepts(self, file_stream: BinaryIO, stream_info: StreamInfo, **kwargs: Any) -> bool:
        return (stream_info.extension or "").lower() == ".pdf" or (stream_info.mimetype or "").startswith(
            "application/pdf"
        )

    def convert(self, file_stream: BinaryIO, stream_info: StreamInfo, **kwargs: Any) -> DocumentConverterResult:
        markdown, title = convert_pdf(file_stream.read())
        return DocumentConverterResult(markdown=markdown, title=title or None)


def register_converters(markitdown: Any, **kwargs: Any) -> None:
    from markitdown import PRIORITY_SPECIFIC_FILE_FORMAT

    markitdown.register_converter(PdfiumConverter(), priority=PRIORITY_SPECIFIC_FILE_FORMAT - 1)


__all__ = ["PdfiumConverter", "convert_pdf", "heading_level", "register_converters"]
