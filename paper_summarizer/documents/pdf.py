"""PDFs to markdown with PDFium (pypdfium2, Apache-2.0/BSD): fast, with spaces between words,
reading order across two columns, markdown headings from font size and weight, paragraphs with
end-of-line hyphens undone, and running headers, page numbers and the arXiv side stamp dropped.
It never builds tables from body text.

Nothing is lost silently: each page's result is checked against the page's text layer, and a
page where the layout pass lost or garbled body text keeps PDFium's plain text instead. A PDF
with no text layer at all is scanned: it is read with OCR when the `ocr` extra is installed.

This module imports neither markitdown nor the graph stack; `markitdown_plugin` wraps it for
markitdown users.
"""

from __future__ import annotations

import array
import ctypes
import dataclasses
import itertools
import logging
import math
import re
import struct
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

from paper_summarizer.documents import ocr, unseen
from paper_summarizer.documents.limits import MAX_PAGES, Limits
from paper_summarizer.documents.sources import Converted
from paper_summarizer.errors import PdfLimitError

_NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^\n]{1,110})$")
# "IV. RESULTS": journals (IEEE, APS) number sections in Roman numerals and set the names in
# capitals or small capitals at body size, with no bold to tell them apart.
_ROMAN_CAPS = re.compile(r"^(?:X{0,2}(?:IX|IV|V?I{1,3}|V))\.\s+(?P<title>[^a-z]{3,100})$")
_KNOWN = re.compile(
    r"^(abstract|introduction|references|bibliography|acknowledge?ments?|appendix|appendices|"
    r"conclusions?|related work|discussion|limitations|background|contents)\b[.:]?$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm|Listing)\s*[A-Z]?\d+[.:]", re.IGNORECASE)
# The whole side stamp ("arXiv:2401.01234v2 [cs.CL] 3 Jan 2024"), never a reference that cites
# an arXiv ID.
_ARXIV_STAMP = re.compile(
    r"arXiv:\s*(?:\d{4}\.\d{4,5}|[a-z\-]+/\d{7})(?:v\d+)?\s*(?:\[[^\]]*\])?\s*\d{1,2}\s*[A-Za-z]{3}\s*\d{4}",
    re.IGNORECASE,
)
_SOFT_HYPHENS = "\ufffe\u00ad\u0002"
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_LETTERS = re.compile(r"[^\W\d_]{2}")
_OCR_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])-$")
# The share of a page's text-layer words that the layout pass may drop (running headers, page
# numbers, figure ticks) or garble before the page falls back to PDFium's plain text.
MAX_LOST_SHARE = 0.10
# Fewer letters and digits than this on the text layer (in all, or per page) is a scan.
MIN_LAYER_CHARS, MIN_LAYER_CHARS_PER_PAGE = 200, 20
# Past this many rects × characters on a page, `_runs` stops asking PDFium per rect.
_MAX_PDFIUM_STEPS = 5_000_000

log = logging.getLogger(__name__)
# PDFium is not thread-safe, not even across documents: in one process, one call at a time. The
# graph's own conversions run in worker processes (documents/worker.py); this lock keeps callers
# in one process, such as markitdown's plugin in someone else's threads, from crashing it.
PDFIUM_LOCK = threading.Lock()


@dataclass(slots=True)  # a page may hold a million of them
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    # Where the text sits in PDFium's character stream (-1: unknown). Two runs that follow each
    # other there with nothing between are one word split by the PDF's drawing, not two words.
    start: int = -1
    end: int = -1
    # Read by OCR: its size is its box height, not a font's size.
    ocr: bool = False

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def convert_pdf(data: bytes, limits: Limits | None = None) -> Converted:
    """The PDF's markdown, its title, and what was left out. Raises ocr.ScannedPdfError for a
    scanned PDF without the OCR extra, and PdfLimitError for one over the limits."""
    limits = limits or Limits.from_env()
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            if len(pdf) > limits.max_pages:
                raise PdfLimitError(
                    f"the PDF has {len(pdf):,} pages, over the limit of {limits.max_pages:,} ({MAX_PAGES})"
                )
            hidden: list[Counter[str]] = []
            read = [_read_page(pdf, i, hidden) for i in range(len(pdf))]
            metadata_title = (pdf.get_metadata_dict().get("Title") or "").strip()
            sizes = [size for _, _, size in read]
            layers = [layer for _, layer, _ in read]
            if is_scanned(layers):
                layers = ["" for _ in layers]
                scanned = ocr.read_pages(pdf, limits)
                read = [
                    (_ocr_lines(i, boxes), "", size) for i, (boxes, size) in enumerate(zip(scanned, sizes, strict=True))
                ]
        finally:
            pdf.close()
    pages, running = _drop_running_lines([lines for lines, _, _ in read], sizes)
    body = _body_size(pages)
    title, pages = _take_title(pages, sizes, body, metadata_title)
    blocks: list[str] = [f"# {title}"] if title else []
    plain_pages = []
    for number, (lines, (width, _), layer, dropped) in enumerate(zip(pages, sizes, layers, running, strict=True), 1):
        if number > 1:
            blocks.append(_PAGE_BREAK)
        structured = _blocks(_reading_order(lines, width), body, width)
        shown = "\n".join(structured) + (f"\n{title}" if number == 1 else "")
        if _untrustworthy(layer, shown, dropped):
            structured = _plain_blocks(layer, dropped)
            plain_pages.append(number)
        blocks += structured
    if plain_pages:
        log.info(
            "pdf: the layout pass lost or garbled text on %s; kept PDFium's plain text there instead",
            _page_list(plain_pages, len(pages)),
        )
    left_out = _left_out(hidden)
    if left_out:
        log.info("pdf: %s", left_out)  # the result, the footer and the CLI say it too
    markdown, page_starts = _paginate(_tidy("\n\n".join(blocks)), len(pages))
    return Converted(markdown, title, left_out, page_starts)


# A block of its own between pages, taken out again once the text is tidy. Not whitespace, which
# tidying would strip at the ends; no PDF's text holds NUL-delimited words.
_PAGE_BREAK = "\x00page\x00"


def _paginate(markdown: str, n_pages: int) -> tuple[str, tuple[int, ...]]:
    """The markdown without its page-break blocks, and where each of the `n_pages` starts in it."""
    pieces = markdown.split(_PAGE_BREAK)
    kept = [pieces[0], *(piece.lstrip("\n") for piece in pieces[1:])]
    text = "".join(kept).rstrip() + "\n"
    starts, length = [], 0
    for piece in kept:
        starts.append(min(length, len(text)))
        length += len(piece)
    return text, tuple(starts[:n_pages]) + (len(text),) * (n_pages - len(starts))


def _left_out(hidden: list[Counter[str]]) -> str:
    """One sentence on the hidden text left out, or ""."""
    total = sum(hidden, Counter[str]())
    if not total:
        return ""
    reasons = ", ".join(f"{count:,} {reason}" for reason, count in total.most_common())
    pages = _page_list([number for number, counts in enumerate(hidden, 1) if counts], len(hidden))
    return (
        f"Left out {total.total():,} characters of text a reader cannot see in the PDF ({reasons}) on {pages}: "
        "hidden text is not part of the paper as read, and may be an instruction to the models."
    )


def text_layer(data: bytes) -> str:
    """Every page's text as PDFium's text page reads it: the yardstick for "no text lost"."""
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            return "\n".join(_layer(pdf, i) for i in range(len(pdf)))
        finally:
            pdf.close()


def _ocr_lines(page: int, boxes: list[ocr.Box]) -> list[Line]:
    # OCR knows no font: a line's box height stands in for its size (every line is measured
    # alike, so headings and the title still stand out), and nothing is bold. Nor does it know a
    # soft hyphen from a hard one: a hyphen that ends a line after a letter is taken as soft
    # ("com-" + "pile" is "compile"), as PDFium marks it on a text layer.
    return [
        Line(page, x0, y0, x1, y1, _OCR_LINE_END_HYPHEN.sub("\u00ad", text.strip()), y1 - y0, False, ocr=True)
        for x0, y0, x1, y1, text in boxes
        if text.strip()
    ]


def is_scanned(layers: list[str]) -> bool:
    """Scanned means the text layer is empty or almost so (a page number, a stray header): never
    that the layout pass lost the text, which the per-page check catches."""
    chars = sum(sum(_chars(layer).values()) for layer in layers)
    return chars < max(MIN_LAYER_CHARS, MIN_LAYER_CHARS_PER_PAGE * len(layers))


def _words(text: str) -> Counter[str]:
    # Plain words of four letters or more: a formula's symbols split differently in the layout
    # pass than in the text layer, and are not what a reader would miss.
    counts = Counter(_PUNCTUATION.sub("", text.lower()).split())
    return Counter({w: n for w, n in counts.items() if len(w) >= 4 and w.isalpha()})


def _chars(text: str) -> Counter[str]:
    counts = Counter(text.lower())  # counted in C, then filtered: this runs on every page
    return Counter({c: n for c, n in counts.items() if c.isalnum()})


def _untrustworthy(layer: str, structured: str, dropped: list[str]) -> bool:
    """True when the layout pass lost more than a small share of the page's body text, split
    its words, or doubled it. Body text is the text layer's lines of four words or more, less
    the running headers dropped on purpose: figure labels and axis ticks are short lines and
    may go."""
    body = "\n".join(line for line in layer.splitlines() if sum(bool(_LETTERS.search(w)) for w in line.split()) >= 4)
    wanted_words = _words(body) - _words("\n".join(dropped))
    wanted_chars = _chars(body) - _chars("\n".join(dropped))
    if sum(wanted_chars.values()) < 100:
        return False  # nothing a reader would call body text: a figure page, a cover
    got_words, got_chars = _words(structured), _chars(structured)
    shares = [
        sum((wanted_words - got_words).values()) / max(1, sum(wanted_words.values())),
        sum((wanted_chars - got_chars).values()) / sum(wanted_chars.values()),
        sum((got_chars - _chars(layer)).values()) / sum(wanted_chars.values()),
    ]
    return max(shares) > MAX_LOST_SHARE


def _plain_blocks(layer: str, dropped: list[str]) -> list[str]:
    """The page as PDFium reads it, in its own order, every word kept but the running headers:
    lines joined into one paragraph, line-end hyphens undone. No headings: this is the net, not
    the layout pass."""
    text = ""
    skip = set(dropped)
    for raw in layer.splitlines():
        line = re.sub(r"\s+", " ", raw).strip()
        if not line or line in skip:
            continue
        if not text:
            text = line
        elif text[-1] in _SOFT_HYPHENS:
            text = text[:-1] + line
        else:
            text += " " + line
    return [text] if text else []


def _page_list(numbers: list[int], total: int) -> str:
    if len(numbers) == total:
        return f"all {total} pages"
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


def _layer(pdf: pypdfium2.PdfDocument, index: int) -> str:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_range())
    finally:
        textpage.close()
        page.close()


def _read_page(
    pdf: pypdfium2.PdfDocument, index: int, hidden: list[Counter[str]]
) -> tuple[list[Line], str, tuple[float, float]]:
    """The page's lines with their geometry and font, its whole text layer as PDFium reads it,
    and its size, all without the text a reader cannot see (counted into `hidden`)."""
    page = pdf[index]
    hidden.append(unseen.hide(page))
    textpage = page.get_textpage()
    try:
        return _merge_runs(_runs(textpage, index)), textpage.get_text_range(), page.get_size()
    finally:
        textpage.close()
        page.close()


def _runs(textpage: pypdfium2.PdfTextPage, index: int) -> list[Line]:
    """The page's text runs (PDFium's selection rects) with their text, size and weight.

    `get_text_bounded` and `get_index` each walk the page's whole character list, so calling them
    per rect costs rects × characters: a page of 40,000 one-letter runs took 48 s. On such a page
    `_CharIndex` reads the characters once and answers both from a grid, by PDFium's own rules;
    on a paper's pages (at most 3 million of those steps) PDFium's own calls are faster."""
    runs = []
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    matrix = pdfium_c.FS_MATRIX()
    rects = textpage.count_rects()
    many = rects * textpage.count_chars() > _MAX_PDFIUM_STEPS
    chars: _CharIndex | _PdfiumChars = _CharIndex(textpage) if many else _PdfiumChars(textpage)
    for i in range(rects):
        x0, y0, x1, y1 = textpage.get_rect(i)
        text = chars.text_in(x0, y0, x1, y1)
        if not text.strip():
            continue
        if (y1 - y0) > 3 * (x1 - x0) and len(text.strip()) > 3:
            continue  # vertical text: the arXiv side stamp, rotated figure labels
        char = chars.index_at(x0 + 0.5, (y0 + y1) / 2)
        size, bold = 0.0, False
        if char >= 0:
            # The nominal size is often 1 with the real size in the text matrix (TeX, Type 3
            # fonts); the glyph's vertical scale times the nominal size is what the reader sees.
            pdfium_c.FPDFText_GetMatrix(textpage, char, ctypes.byref(matrix))
            scale = math.hypot(matrix.c, matrix.d) or 1.0
            size = float(pdfium_c.FPDFText_GetFontSize(textpage, char)) * scale
            weight = int(pdfium_c.FPDFText_GetFontWeight(textpage, char))
            pdfium_c.FPDFText_GetFontInfo(textpage, char, name, 128, ctypes.byref(flags))
            font = name.value.decode("latin-1", "replace")
            bold = weight >= 600 or bool(re.search(r"Bold|\bBX|CMBX|Semibold|Black|Heavy", font))
        runs.append(Line(index, x0, y0, x1, y1, text, size, bold, char, char + len(text) if char >= 0 else -1))
    return runs


class _PdfiumChars:
    def __init__(self, textpage: pypdfium2.PdfTextPage) -> None:
        self.textpage = textpage

    def text_in(self, x0: float, y0: float, x1: float, y1: float) -> str:
        return str(self.textpage.get_text_bounded(x0, y0, x1, y1))

    def index_at(self, x: float, y: float) -> int:
        index = self.textpage.get_index(x, y, 2, 2)
        return -1 if index is None else int(index)


def _float32(value: float) -> float:
    # PDFium keeps coordinates as C floats; a point passed in as a double is rounded to one.
    return float(struct.unpack("f", struct.pack("f", value))[0])


class _CharIndex:
    """A page's characters read once, answering PDFium's `FPDFText_GetBoundedText` and
    `FPDFText_GetCharIndexAtPos` (CPDF_TextPage::GetTextByRect and GetIndexAtPos) with the same
    results, from a grid of cells instead of a walk over every character per question."""

    CELL = 16.0  # points: a line of body text touches one or two rows of cells
    # A character box wider or taller than this many cells is checked against every question
    # rather than filed in each cell it covers.
    MAX_CELLS = 64

    def __init__(self, textpage: pypdfium2.PdfTextPage) -> None:
        self.textpage = textpage
        count = max(0, textpage.count_chars())
        get_unicode, get_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetCharBox
        # Typed arrays: a million characters cost 60 MB here, not the 600 MB of Python tuples.
        self.unicode = array.array("L", (get_unicode(textpage, i) for i in range(count)))
        self.x0, self.y0, self.x1, self.y1 = (array.array("d", bytes(8 * count)) for _ in range(4))
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        cell = self.CELL
        self.cells: dict[tuple[int, int], array.array[int]] = defaultdict(lambda: array.array("l"))
        self.oversized: list[int] = []
        for i in range(count):
            get_box(textpage, i, left, right, bottom, top)
            # Normalized, as CFX_FloatRect::Intersect and Contains compare them.
            x0, x1 = sorted((left.value, right.value))
            y0, y1 = sorted((bottom.value, top.value))
            self.x0[i], self.y0[i], self.x1[i], self.y1[i] = x0, y0, x1, y1
            # Filed by the box grown by the 1 pt tolerance `index_at` allows on each side.
            cx0, cx1 = math.floor((x0 - 1) / cell), math.floor((x1 + 1) / cell)
            cy0, cy1 = math.floor((y0 - 1) / cell), math.floor((y1 + 1) / cell)
            if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > self.MAX_CELLS:
                self.oversized.append(i)
                continue
            for cx in range(cx0, cx1 + 1):
                for cy in range(cy0, cy1 + 1):
                    self.cells[cx, cy].append(i)
        # non_spaces[i]: characters before i that are not spaces (a gap's line-feed rule).
        self.non_spaces = array.array("q", [0, *itertools.accumulate(u != 0x20 for u in self.unicode)])

    def origin_y(self, index: int) -> float:
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(self.textpage, index, x, y)
        return y.value

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self.CELL), math.floor(y / self.CELL)

    def _near(self, x0: float, y0: float, x1: float, y1: float) -> list[int]:
        """Characters that may touch the rectangle, in PDFium's order."""
        (cx0, cy0), (cx1, cy1) = self._cell(x0, y0), self._cell(x1, y1)
        found: set[int] = set(self.oversized)
        for cx in range(cx0, cx1 + 1):
            for cy in range(cy0, cy1 + 1):
                found.update(self.cells.get((cx, cy), ()))
        return sorted(found)

    def text_in(self, x0: float, y0: float, x1: float, y1: float) -> str:
        """FPDFText_GetBoundedText: the characters whose boxes overlap the rectangle (with a
        positive area), with a space or a line break where PDFium's walk would put one."""
        left, bottom, right, top = _float32(x0), _float32(y0), _float32(x1), _float32(y1)
        left, right, bottom, top = min(left, right), max(left, right), min(bottom, top), max(bottom, top)
        bx0, by0, bx1, by1 = self.x0, self.y0, self.x1, self.y1
        chosen = [
            i
            for i in self._near(left, bottom, right, top)
            if min(right, bx1[i]) > max(left, bx0[i]) and min(top, by1[i]) > max(bottom, by0[i])
        ]
        # CPDF_TextPage::GetTextByPredicate, replayed over the chosen characters only: what the
        # characters between two chosen ones do depends only on whether the first of them is a
        # space and whether any other is not.
        parts: list[str] = []
        posy, previous = 0.0, -1
        for i in chosen:
            gap_start = previous + 1
            if previous >= 0 and gap_start < i and self.unicode[gap_start] == 0x20:
                parts.append(" ")
                gap_start += 1
            line_feed = self.non_spaces[i] - self.non_spaces[gap_start] > 0
            if line_feed and abs(posy - self.origin_y(i)) > 0:
                posy = self.origin_y(i)
                if parts:
                    parts.append("\r\n")
            if self.unicode[i]:
                parts.append(chr(self.unicode[i]))
            previous = i
        if 0 <= previous < len(self.unicode) - 1 and self.unicode[previous + 1] == 0x20:
            parts.append(" ")
        # As pypdfium2 decodes PDFium's UTF-16: a lone surrogate is dropped.
        return "".join(parts).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")

    def index_at(self, x: float, y: float) -> int:
        """FPDFText_GetCharIndexAtPos with a 2 pt tolerance: the first character whose box holds
        the point, else the nearest one within 1 pt, else -1."""
        x, y = _float32(x), _float32(y)
        nearest, best = -1, math.inf
        for i in self._near(x - 1, y - 1, x + 1, y + 1):
            x0, y0, x1, y1 = self.x0[i], self.y0[i], self.x1[i], self.y1[i]
            if x0 <= x <= x1 and y0 <= y <= y1:
                return i
            if x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1:
                distance = min(abs(x - x0), abs(x - x1)) + min(abs(y - y0), abs(y - y1))
                if distance < best:
                    nearest, best = i, distance
        return nearest


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
                if last.end >= 0 and run.start >= 0:
                    tight = last.text.endswith(" ") or run.start == last.end
                else:
                    punctuation = bool(re.match(r"[,.;:)\]’']", run.text))
                    tight = last.text.endswith(" ") or punctuation or gap < 0.12 * max(run.size, 1)
                last.text += "" if tight else " "
                last.text += run.text
                last.end = run.end if last.end >= 0 and run.end >= 0 else -1
                last.x1, last.y0, last.y1 = max(last.x1, run.x1), min(last.y0, run.y0), max(last.y1, run.y1)
                last.bold = last.bold and run.bold
                last.size = max(last.size, run.size) if len(run.text) > len(last.text) / 2 else last.size
            else:
                last = dataclasses.replace(run)
                lines.append(last)
    for line in lines:
        line.text = re.sub(r"[ \t\r\n]+", " ", line.text).strip()
    return [line for line in lines if line.text]


def _drop_running_lines(
    pages: list[list[Line]], sizes: list[tuple[float, float]]
) -> tuple[list[list[Line]], list[list[str]]]:
    """Drop page numbers, running headers/footers (the same text in the margins of many pages)
    and the arXiv stamp: (the pages' other lines, the text dropped from each page)."""

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

    kept: list[list[Line]] = []
    dropped: list[list[str]] = []
    for lines, (_, height) in zip(pages, sizes, strict=True):
        gone = [running(line, height) or bool(_ARXIV_STAMP.fullmatch(line.text)) for line in lines]
        kept.append([line for line, drop in zip(lines, gone, strict=True) if not drop])
        dropped.append([line.text for line, drop in zip(lines, gone, strict=True) if drop])
    return kept, dropped


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
        chosen = [line for line in top if line.size >= biggest - 0.5]
        # Two-column journals (revtex, IEEE) set the title only a little larger, but in bold.
        large = biggest >= body * 1.25 or (biggest >= body * 1.15 and all(line.bold for line in chosen))
        if large and sum(len(line.text) for line in chosen) < 300:
            rest = [line for line in pages[0] if not any(line is title for title in chosen)]
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
    """2 for '3 Method', 'IV. RESULTS' or 'References', 3 for '3.2 ...', 0 for body text."""
    text = line.text.strip()
    if len(text.split()) > 14 or len(text) > 120 or text.endswith((",", ";")):
        return 0
    if line.size > body * 1.8:
        return 0
    roman = _ROMAN_CAPS.match(text)
    if roman and sum(c.isalpha() for c in roman.group("title")) >= 3:
        return 2  # often centred in the column, so not held to the left margin
    if not (line.bold or line.size >= body * 1.1):
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
        if abs(line.size - body) > body * 0.45 and line.size > 0 and not (line.ocr and line.size > body):
            # Text drawn inside figures, in its own odd size. An OCR line's box is only taller
            # than the body's for a title's second line or a formula in the line: kept.
            continue
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
