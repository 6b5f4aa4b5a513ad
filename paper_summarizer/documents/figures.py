"""A paper's figures with their captions, as PNG crops: from a PDF's pages (PDFium), or from
arXiv's HTML (LaTeXML's <figure> elements, whose images are downloaded like the paper, a
figure's panels put together in their rows).

A PDF says nothing about which drawing a caption belongs to, so it is inferred: a caption
("Figure 3:", "Fig. 3.", "Table 2:") heads a block of caption lines; the figure is the run of
pictures, paths and small text that touches the caption above it (below, for a table; else on
the other side) within the caption's column, up to the nearest line of body text or a running
header. Whatever makes that inference shaky
(body text beside the drawing, drawings past the body text, a drawing wider than the column, two
captions claiming one drawing, a rotated page) leaves the figure out: a reader is better served
by no picture than by half a figure or the next column's text.

Like pdf.py this runs PDFium, so only in the conversion worker processes (worker.py)."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin

from paper_summarizer.documents.limits import Limits

if TYPE_CHECKING:
    import pypdfium2
    from PIL import Image

    from paper_summarizer.documents.pdf import Line
    from paper_summarizer.documents.sources import Access

log = logging.getLogger(__name__)

Kind = Literal["figure", "table"]
Side = Literal["above", "below"]  # where a figure is, from its caption
Box = tuple[float, float, float, float]  # left, bottom, right, top: PDF points, y upwards

# Screen resolution: a figure reads at 150 dpi, and its crop stays small.
RENDER_DPI = 150
MAX_SIDE_PX = 1600  # a full-page figure is rendered smaller than 150 dpi, not larger than this
MAX_PNG_BYTES = 200_000
MAX_FIGURES = 60  # per paper: a thesis has more, a summary shows two
# An image (downloaded from arXiv's HTML) may not decode to more pixels than this, and is read
# only by the decoders a web page's images need: not by each of Pillow's dozens of others.
MAX_IMAGE_PIXELS = 40_000_000
WEB_IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")

# "Figure 3:", "Fig. 3.", "TABLE 2|", or Springer's "Fig. 3 Accuracy ..." (no punctuation, but a
# capital next, unlike "Figure 3 shows").
_CAPTION = re.compile(
    r"^(?P<word>Figure|FIGURE|Fig\.?|FIG\.?|Table|TABLE)\s*(?P<number>\d{1,3})(?:\s*[.:|—–]|\s+(?=[A-Z(]))"
)
_SOFT_HYPHENS = "\ufffe\u00ad\u0002"  # as PDFium marks a word broken at a line's end (see pdf.py)
# Sub-figure captions ("(a) Loss", "a) Loss") are part of a figure, never the text around it.
_PANEL_LABEL = re.compile(r"^\(?[a-h]\)\s")


@dataclass(frozen=True)
class Figure:
    number: int
    kind: Kind
    caption: str  # as in the paper, its label included ("Figure 3: Accuracy ...")
    page: int  # from 1; 0 for an HTML figure
    bbox: Box | None  # where on the page; None for an HTML figure
    png: bytes

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.number}"


# --- PDF ----------------------------------------------------------------------------------------


@dataclass
class _Caption:
    kind: Kind
    number: int
    lines: list[Line]
    span: tuple[float, float]  # the column it stands in (both columns for a wide figure)
    column_width: float  # of the page's narrowest column: how wide a line of body text is
    page_wide: bool  # the span is the page's whole text width: no other column to stray into

    @property
    def box(self) -> Box:
        return _union([(line.x0, line.y0, line.x1, line.y1) for line in self.lines])

    @property
    def text(self) -> str:
        rows: list[list[Line]] = []
        for line in sorted(self.lines, key=lambda line: -(line.y0 + line.y1) / 2):
            middle = (line.y0 + line.y1) / 2
            if rows and abs((rows[-1][0].y0 + rows[-1][0].y1) / 2 - middle) < 0.5 * max(rows[-1][0].height, 1):
                rows[-1].append(line)
            else:
                rows.append([line])
        text = ""
        for line in (line for row in rows for line in sorted(row, key=lambda line: line.x0)):
            soft_hyphen = bool(text) and text[-1] in _SOFT_HYPHENS
            text = text[:-1] + line.text if soft_hyphen else f"{text} {line.text}".strip()
        return re.sub(f"[{_SOFT_HYPHENS}]", "", text)


def pdf_figures(data: bytes, limits: Limits | None = None) -> list[Figure]:
    """The PDF's figures and tables that can be located with confidence, in page order."""
    from paper_summarizer.documents.pdf import PDFIUM_LOCK

    limits = limits or Limits.from_env()
    found: list[Figure] = []
    seen: set[tuple[str, int]] = set()
    with PDFIUM_LOCK:
        document = _open(data, limits)
        try:
            for index, lines, running, captions, body in _pages(document):
                page = document[index]
                try:
                    for caption, box in _locate(page, lines, running, captions, body):
                        if (caption.kind, caption.number) in seen:
                            continue  # a second "Figure 3": a list of figures, or a reference
                        seen.add((caption.kind, caption.number))
                        png = _render(page, box, limits)
                        found.append(Figure(caption.number, caption.kind, caption.text, index + 1, box, png))
                        if len(found) >= MAX_FIGURES:
                            return found
                finally:
                    page.close()
        finally:
            document.close()
    return found


def pdf_captions(data: bytes, limits: Limits | None = None) -> list[tuple[Kind, int, int]]:
    """(kind, number, page) of every caption on the PDF's pages, located or not: what
    `pdf_figures` starts from (for measuring how many it leaves out)."""
    from paper_summarizer.documents.pdf import PDFIUM_LOCK

    with PDFIUM_LOCK:
        document = _open(data, limits or Limits.from_env())
        try:
            return [
                (caption.kind, caption.number, index + 1)
                for index, _, _, captions, _ in _pages(document)
                for caption in captions
            ]
        finally:
            document.close()


def _open(data: bytes, limits: Limits) -> pypdfium2.PdfDocument:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    if len(document) > limits.max_pages:
        document.close()
        return pypdfium2.PdfDocument.new()  # the conversion refuses this PDF and says why
    return document


def _pages(
    document: pypdfium2.PdfDocument,
) -> Iterator[tuple[int, list[Line], list[Line], list[_Caption], float]]:
    """Each page with captions: its index, its lines, its running headers and footers (a figure
    never reaches past them), its captions, and the paper's body text size."""
    from paper_summarizer.documents import pdf

    hidden: list[Counter[str]] = []
    read = [pdf._read_page(document, i, hidden) for i in range(len(document))]
    sizes = [size for _, _, size in read]
    every = [lines for lines, _, _ in read]
    pages, _ = pdf._drop_running_lines(every, sizes)
    body = pdf._body_size(pages)
    for index, (lines, (width, _)) in enumerate(zip(pages, sizes, strict=True)):
        captions = _captions(lines, width, body)
        if captions:
            kept = {id(line) for line in lines}
            yield index, lines, [line for line in every[index] if id(line) not in kept], captions, body


def _captions(lines: list[Line], width: float, body: float) -> list[_Caption]:
    """Each caption on the page with the lines that continue it."""
    columns = _columns(lines, width)
    ordered = sorted(lines, key=lambda line: -line.y1)
    starts = [
        (i, line, match)
        for i, line in enumerate(ordered)
        if (match := _CAPTION.match(line.text)) and line.size <= body * 1.3
    ]
    captions: list[_Caption] = []
    for i, first, match in starts:
        kind: Kind = "table" if match.group("word").lower() == "table" else "figure"
        span = _span_of(first, columns)
        # Two figures side by side, each with its caption: each has its half of the column.
        for _, other, _ in starts:
            if other is not first and min(other.y1, first.y1) - max(other.y0, first.y0) > 0:
                if other.x0 >= first.x1:
                    span = (span[0], min(span[1], (first.x1 + other.x0) / 2))
                elif other.x1 <= first.x0:
                    span = (max(span[0], (other.x1 + first.x0) / 2), span[1])
        block = [first]
        for line in ordered[i + 1 :]:
            last = block[-1]
            if line.y1 > last.y0 + 0.5 * last.height:
                continue  # on the same row (the other column)
            if not (span[0] - 4 <= line.x0 and line.x1 <= span[1] + 4):
                continue
            gap = last.y0 - line.y1
            if gap > 0.7 * max(last.height, 1) or abs(line.size - first.size) > 0.15 * first.size:
                break
            if _CAPTION.match(line.text) or len(block) >= 20:
                break
            block.append(line)
        # Superscripts and subscripts in the caption are runs of their own, a little above or
        # below its lines, and a wide gap (after a formula) splits a row in two: theirs too.
        top, bottom = first.y1 + 0.6 * first.height, block[-1].y0 - 0.6 * block[-1].height
        block += [
            line
            for line in lines
            if line not in block
            and not _CAPTION.match(line.text)
            and bottom <= (line.y0 + line.y1) / 2 <= top
            and span[0] - 4 <= line.x0
            and line.x1 <= span[1] + 4
        ]
        width_of_column = min(right - left for left, right in columns)
        page_wide = span[0] <= columns[0][0] + 1 and span[1] >= columns[-1][1] - 1
        captions.append(_Caption(kind, int(match.group("number")), block, span, width_of_column, page_wide))
    return captions


def _columns(lines: list[Line], width: float) -> list[tuple[float, float]]:
    """The page's text columns, left to right: one, or two when both halves hold lines of body
    text (as pdf._reading_order tells them)."""
    middle = width / 2
    long = [line for line in lines if len(line.text) > 30]
    left = [line for line in long if line.x1 <= middle + 8]
    right = [line for line in long if line.x0 >= middle - 8]

    def extent(group: list[Line]) -> tuple[float, float]:
        starts = sorted(line.x0 for line in group)
        ends = sorted(line.x1 for line in group)
        # Not the extremes: a stray indented label or a line number would move them.
        return starts[len(starts) // 10], ends[len(ends) * 9 // 10]

    if len(left) >= 5 and len(right) >= 5:
        return [extent(left), extent(right)]
    if len(long) >= 3:
        return [extent(long)]
    return [(width * 0.1, width * 0.9)]


def _span_of(line: Line, columns: list[tuple[float, float]]) -> tuple[float, float]:
    if len(columns) == 1:
        return columns[0]
    (left0, left1), (right0, right1) = columns
    gutter = (left1 + right0) / 2
    if line.x0 < gutter - 8 and line.x1 > gutter + 8:
        return left0, right1  # a caption across both columns: a figure as wide as the page
    return (left0, left1) if line.x1 <= gutter + 8 else (right0, right1)


@dataclass(frozen=True)
class _Element:
    box: Box
    kind: int  # FPDF_PAGEOBJ_*

    @property
    def is_text(self) -> bool:
        import pypdfium2.raw as pdfium_c

        return bool(self.kind == pdfium_c.FPDF_PAGEOBJ_TEXT)


def _locate(
    page: pypdfium2.PdfPage, lines: list[Line], running: list[Line], captions: list[_Caption], body: float
) -> list[tuple[_Caption, Box]]:
    """Each caption whose figure could be located, with the figure's box."""
    from paper_summarizer.documents import unseen

    if page.get_rotation() % 360:
        return []  # a landscape page: its columns are not where the text page says
    width, height = page.get_size()
    elements = [
        _Element(box, kind)
        for box, kind in unseen.drawn(page)
        # Not a page-sized background, nor a point.
        if _area(box) < 0.6 * width * height and (box[2] - box[0] > 0.5 or box[3] - box[1] > 0.5)
    ]
    caption_lines = {id(line) for caption in captions for line in caption.lines}
    others = [line for line in lines if id(line) not in caption_lines]
    located: list[tuple[_Caption, Box]] = []
    for caption in captions:
        sides: tuple[Side, Side] = ("below", "above") if caption.kind == "table" else ("above", "below")
        for side in sides:
            box = _figure_box(caption, side, elements, others, running, captions, body, (width, height))
            if box is not None:
                located.append((caption, box))
                break
    # Two captions that claim overlapping drawings: at least one of them is wrong.
    return [
        (caption, box)
        for caption, box in located
        if not any(other is not caption and _overlap(box, theirs) > 4 for other, theirs in located)
    ]


def _figure_box(
    caption: _Caption,
    side: Side,
    elements: list[_Element],
    lines: list[Line],
    running: list[Line],
    captions: list[_Caption],
    body: float,
    page_size: tuple[float, float],
) -> Box | None:
    """The box of the figure on `side` of the caption, or None when there is none or it is
    not certain where it ends."""
    span0, span1 = caption.span
    column_width = caption.column_width
    cap = caption.box
    up = side == "above"

    def in_span(box: Box) -> bool:
        inside = min(box[2], span1) - max(box[0], span0)
        return inside > 0.5 * (box[2] - box[0]) or inside > 0.5 * (span1 - span0)

    def beyond(box: Box) -> bool:  # on this side of the caption
        return box[1] >= cap[3] - 1 if up else box[3] <= cap[1] + 1

    # The zone runs from the caption to the nearest line of the page's own text on this side
    # (or another caption, or the page's edge).
    other_captions = [c.box for c in captions if c is not caption]
    stops = [_box(line) for line in _page_text(lines, body, column_width)] + other_captions
    text_stops = [box for box in stops if in_span(box) and beyond(box)]
    stops = text_stops + [_box(line) for line in running if beyond(_box(line))]
    if up:
        limit = min((box[1] for box in stops), default=page_size[1])
        zone = (cap[3], limit)
    else:
        limit = max((box[3] for box in stops), default=0.0)
        zone = (limit, cap[1])
    if zone[1] - zone[0] < 12:
        _left_out(caption, side, "no room")
        return None

    def distance(box: Box) -> float:
        return box[1] - cap[3] if up else cap[1] - box[3]

    def at_zone_end(box: Box) -> bool:
        # A rule under a running header, or over the footnotes: the page's, not the figure's.
        thin, wide = box[3] - box[1] < 2, box[2] - box[0] > 0.6 * column_width
        end = zone[1] - box[3] if up else box[1] - zone[0]
        return thin and wide and end < 12 and limit not in (0.0, page_size[1])

    candidates = [
        element
        for element in elements
        if in_span(element.box)
        and zone[0] - 2 <= (element.box[1] + element.box[3]) / 2 <= zone[1] + 2
        and _overlap(element.box, cap) <= 1
        and not at_zone_end(element.box)
    ]
    # How far apart the parts of one figure may be: drawings (sub-figures in a grid) further than
    # labels, which sit next to what they label; text further off is the page's (a header).
    first_gap, gap, text_gap = max(3.5 * body, 30.0), max(2.5 * body, 20.0), 1.2 * body
    frontier = cap[3] if up else cap[1]
    taken: list[_Element] = []
    for element in sorted(candidates, key=lambda e: distance(e.box)):
        near = element.box[1] - frontier if up else frontier - element.box[3]
        if near > (gap if taken else first_gap):
            break
        taken.append(element)
        frontier = max(frontier, element.box[3]) if up else min(frontier, element.box[1])
    drawings = [e for e in taken if not e.is_text]
    if not drawings:
        _left_out(caption, side, "text only, or nothing")
        return None  # a table without rules
    # Text past the last drawing is a label if close to it, else the page's (a header).
    end = max(e.box[3] for e in drawings) if up else min(e.box[1] for e in drawings)
    taken = [e for e in taken if not e.is_text or (e.box[1] - end if up else end - e.box[3]) <= text_gap]
    drawn = _union([e.box for e in drawings])
    if caption.kind == "figure" and (drawn[3] - drawn[1] < 15 or drawn[2] - drawn[0] < 30):
        _left_out(caption, side, "a rule or two, not a figure")
        return None
    box = _union([e.box for e in taken])
    box = (box[0], max(box[1], zone[0]), box[2], min(box[3], zone[1]))  # a clipped drawing's bounds
    if box[3] - box[1] < 15 or box[2] - box[0] < 30:
        _left_out(caption, side, "too small")
        return None
    # A figure may reach into the page's margins, never into another column.
    reach = (0.0, page_size[0]) if caption.page_wide else (span0 - 12, span1 + 12)
    if box[0] < reach[0] or box[2] > reach[1]:
        _left_out(caption, side, "wider than its column: which column it belongs to is a guess")
        return None
    chosen = {id(e) for e in taken}
    if any(id(e) not in chosen and not e.is_text and _area(e.box) > 50 for e in candidates):
        _left_out(caption, side, "more drawing past a gap: the figure may go on")
        return None
    if any(_beside(line, box, caption.span) for line in lines if _is_body(line, body, column_width * 0.6)):
        _left_out(caption, side, "body text beside it (a wrapped figure, or the other column)")
        return None
    # A drawing that runs up to the body text may go on past it: a long label taken for body text.
    line_height = 1.2 * body
    if (zone[1] - box[3] if up else box[1] - zone[0]) < line_height:
        edge = zone[1] if up else zone[0]
        for e in elements:
            past = e.box[1] - edge if up else edge - e.box[3]
            if not e.is_text and in_span(e.box) and 0 <= past < line_height:
                _left_out(caption, side, "drawing past the body text")
                return None
    if (
        not text_stops
        and not caption.page_wide
        and _other_column_runs_on(up, caption, elements, lines, captions, page_size)
    ):
        _left_out(caption, side, "it may be the rest (the start) of a table the column before (after) holds too")
        return None
    # A little white around the drawing, but short of the text at either end of the zone: a
    # line's descenders reach below the box PDFium gives its characters.
    pad, clear = 2.0, 0.25 * body
    return (
        max(box[0] - pad, reach[0]),
        max(box[1] - pad, zone[0] + clear),
        min(box[2] + pad, reach[1]),
        min(box[3] + pad, zone[1] - clear),
    )


def _other_column_runs_on(
    up: bool,
    caption: _Caption,
    elements: list[_Element],
    lines: list[Line],
    captions: list[_Caption],
    page_size: tuple[float, float],
) -> bool:
    """Whether a figure with none of the page's text beyond it may be one part of a figure
    split across columns (a long table): the column before it ends with a drawing, not with
    text, when the figure starts its column; the column after it starts with one, when the
    figure ends its column. A float at the top of a column is common; the rest of one at the
    bottom of the column before is not."""
    span = caption.span

    def in_other(box: Box) -> bool:  # wholly in that column: not a page number across the gutter
        return box[2] <= span[0] if up else box[0] >= span[1]

    on_page = [e.box for e in elements if not e.is_text and e.box[1] >= 0 and e.box[3] <= page_size[1]]
    drawings = [box for box in on_page if in_other(box)]
    texts = [_box(line) for line in lines if in_other(_box(line))] + [c.box for c in captions if in_other(c.box)]
    if not drawings or not texts:
        return False
    if up:  # the lowest thing in the column before
        return min(box[1] for box in drawings) <= min(box[1] for box in texts) + 1
    return max(box[3] for box in drawings) >= max(box[3] for box in texts) - 1


def _left_out(caption: _Caption, side: str, why: str) -> None:
    log.debug("figures: %s %d, %s its caption: %s", caption.kind, caption.number, side, why)


def _page_text(lines: list[Line], body: float, column_width: float) -> list[Line]:
    """The page's own lines of text: those of paragraphs and headings, and the short lines next
    to them (a paragraph's last line, "is shown in Figure 2.")."""
    text = [line for line in lines if _is_body(line, body, column_width)]
    chosen = {id(line) for line in text}
    for _ in range(3):  # a paragraph's last line, then an orphan word under it
        grown = [
            line
            for line in lines
            if id(line) not in chosen
            and abs(line.size - body) <= 0.12 * body
            and not _PANEL_LABEL.match(line.text)
            and not _CAPTION.match(line.text)
            and any(_next_to(line, other) for other in text)
        ]
        if not grown:
            break
        text += grown
        chosen.update(id(line) for line in grown)
    return text


def _next_to(line: Line, other: Line) -> bool:
    """The line directly above or below the other, in its column."""
    gap = max(other.y0 - line.y1, line.y0 - other.y1)
    return -0.3 * other.height <= gap <= 0.8 * other.height and min(line.x1, other.x1) - max(line.x0, other.x0) > 0


def _is_body(line: Line, body: float, column_width: float) -> bool:
    """A line of the page's own text (a paragraph's line, a heading), not a label in a drawing."""
    from paper_summarizer.documents.pdf import heading_level

    if not 0.85 * body <= line.size <= 1.6 * body or _PANEL_LABEL.match(line.text):
        return False
    if len(line.text.split()) < 3:
        return False
    return (line.x1 - line.x0) >= 0.5 * column_width or bool(heading_level(line, body))


def _beside(line: Line, box: Box, span: tuple[float, float]) -> bool:
    middle = (line.y0 + line.y1) / 2
    in_rows = box[1] + 2 < middle < box[3] - 2
    in_columns = min(line.x1, span[1]) - max(line.x0, span[0]) > 0
    return in_rows and in_columns and _overlap((line.x0, line.y0, line.x1, line.y1), box) <= 0


def _box(line: Line) -> Box:
    return line.x0, line.y0, line.x1, line.y1


def _union(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _overlap(a: Box, b: Box) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _render(page: pypdfium2.PdfPage, box: Box, limits: Limits) -> bytes:
    left, bottom, right, top = page.get_cropbox()
    width, height = box[2] - box[0], box[3] - box[1]
    scale = min(RENDER_DPI / 72, MAX_SIDE_PX / max(width, height))
    scale = min(scale, (limits.max_render_pixels / max(1.0, width * height)) ** 0.5)
    crop = (box[0] - left, box[1] - bottom, right - box[2], top - box[3])
    bitmap = page.render(scale=scale, crop=tuple(max(0.0, c) for c in crop))
    try:
        image = bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()
    return small_png(image)


def small_png(image: Image.Image) -> bytes:
    """The image as a PNG of at most MAX_PNG_BYTES: as it is, else in 256 colours (a plot loses
    nothing), else smaller."""
    from PIL import Image

    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    for _ in range(8):
        for candidate in (image, image.quantize(256, method=Image.Quantize.FASTOCTREE)):
            buffer = io.BytesIO()
            candidate.save(buffer, "PNG", optimize=False, compress_level=6)
            if buffer.tell() <= MAX_PNG_BYTES:
                return buffer.getvalue()
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), Image.Resampling.LANCZOS)
    raise ValueError("the image does not fit in a small PNG")


# --- arXiv's HTML -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlFigure:
    """A figure on an HTML page, before its images are downloaded: one image, or the panels of
    a figure of several, each in its row."""

    number: int
    kind: Kind
    caption: str
    urls: tuple[str, ...]
    rows: tuple[int, ...]  # the row of each panel, from 0 (LaTeXML's ltx_flex_break starts a new one)


class _FigureParser(HTMLParser):
    """LaTeXML's <figure class="ltx_figure"> elements: their <img>s (a panel's own <figure>
    inside), and their <figcaption>, whose <span class="ltx_tag"> holds the label ("Figure 3: ")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.depth = 0  # <figure> elements open, nested panels included
        self.row = 0
        self.images: list[tuple[int, str]] = []  # (row, source)
        self.caption: list[str] | None = None
        self.figures: list[tuple[list[tuple[int, str]], str]] = []  # (images, caption text)
        self.last_caption = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "base" and not self.base:
            self.base = attributes.get("href") or ""
        elif tag == "figure":
            if self.depth or "ltx_figure" in classes:
                if not self.depth:
                    self.images, self.last_caption, self.row = [], "", 0
                self.depth += 1
        elif tag == "img" and self.depth and self.caption is None:
            if attributes.get("src"):
                self.images.append((self.row, attributes["src"] or ""))
        elif tag == "div" and self.depth and "ltx_flex_break" in classes:
            self.row += 1
        elif tag == "figcaption" and self.depth:
            self.caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption" and self.caption is not None:
            if self.depth == 1:  # the whole figure's caption, not a panel's
                self.last_caption = " ".join("".join(self.caption).split())
            self.caption = None
        elif tag == "figure" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.figures.append((self.images, self.last_caption))

    def handle_data(self, data: str) -> None:
        if self.caption is not None:
            self.caption.append(data)


MAX_PANELS = 12


def html_figures(data: bytes, page_url: str) -> list[HtmlFigure]:
    """The figures of an arXiv (LaTeXML) HTML page with their captions and their images' URLs
    (resolved against the page's <base>, else its URL). Tables are HTML there: no image."""
    parser = _FigureParser()
    try:
        parser.feed(data.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:  # figures are a bonus: a page too broken for them has none
        return []
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[HtmlFigure] = []
    seen: set[int] = set()
    for images, caption in parser.figures:
        match = _CAPTION.match(caption)
        if not 1 <= len(images) <= MAX_PANELS or not match or match.group("word").lower() == "table":
            continue
        number = int(match.group("number"))
        if number in seen:
            continue
        seen.add(number)
        urls = tuple(urljoin(base, source) for _, source in images)
        found.append(HtmlFigure(number, "figure", caption, urls, tuple(row for row, _ in images)))
    return found[:MAX_FIGURES]


def download(listed: Sequence[HtmlFigure], *, access: Access, max_bytes: int) -> list[tuple[HtmlFigure, list[bytes]]]:
    """Each figure's images, fetched as papers are (the deployment's access rules, the download
    limit), in the graph's process (a thread): the bytes are read in a worker. All images count
    towards one paper's limit; a figure with an image that cannot be fetched is left out."""
    from paper_summarizer.documents import sources
    from paper_summarizer.errors import NetworkError, SourceError

    downloaded: list[tuple[HtmlFigure, list[bytes]]] = []
    left = max_bytes
    for figure in listed:
        images: list[bytes] = []
        for url in figure.urls:
            try:
                fetched = sources.fetch(sources.Source("url", url, url), access=access, max_bytes=left)
            except (SourceError, NetworkError) as exc:
                log.info("figures: left out %s %d (%s)", figure.kind, figure.number, exc)
                break
            left -= len(fetched.data)
            images.append(fetched.data)
        else:
            downloaded.append((figure, images))
        if left <= 0:
            break
    return downloaded


def image_figures(downloaded: Sequence[tuple[HtmlFigure, Sequence[bytes]]]) -> list[Figure]:
    """The downloaded images as small PNGs, a figure's panels in their rows (in a worker: they
    are untrusted bytes). A figure with an image Pillow cannot read, or of too many pixels, is
    left out."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # past it Pillow raises, before decoding
    figures = []
    for figure, images in downloaded:
        try:
            panels = []
            for data in images:
                with Image.open(io.BytesIO(data), formats=WEB_IMAGE_FORMATS) as image:
                    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
                    panels.append(_on_white(image))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            log.info("figures: left out %s %d (%s)", figure.kind, figure.number, exc)
            continue
        whole = panels[0] if len(panels) == 1 else _in_rows(panels, figure.rows)
        whole.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
        figures.append(Figure(figure.number, figure.kind, figure.caption, 0, None, small_png(whole)))
    return figures


def _in_rows(panels: list[Image.Image], rows: tuple[int, ...]) -> Image.Image:
    """The panels as the page lays them out: side by side in their rows, each row as high as its
    lowest panel, the rows stacked and centred, on white."""
    from PIL import Image

    gap = 12
    lines: list[Image.Image] = []
    for row in sorted(set(rows)):
        members = [panel for panel, at in zip(panels, rows, strict=True) if at == row]
        height = min(panel.height for panel in members)
        scaled = [panel.resize((max(1, panel.width * height // panel.height), height)) for panel in members]
        line = Image.new("RGB", (sum(p.width for p in scaled) + gap * (len(scaled) - 1), height), "white")
        x = 0
        for panel in scaled:
            line.paste(panel, (x, 0))
            x += panel.width + gap
        lines.append(line)
    width = max(line.width for line in lines)
    whole = Image.new("RGB", (width, sum(line.height for line in lines) + gap * (len(lines) - 1)), "white")
    y = 0
    for line in lines:
        whole.paste(line, ((width - line.width) // 2, y))
        y += line.height + gap
    return whole


def _on_white(image: Image.Image) -> Image.Image:
    """A transparent image on a white page, as the paper shows it (and dark-mode viewers too)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, "white")
        page.alpha_composite(rgba)
        return page.convert("RGB")
    return image.convert("RGB")


# --- the store ----------------------------------------------------------------------------------


def to_json(figure: Figure) -> dict[str, Any]:
    import base64

    value = dataclasses.asdict(figure)
    value["png"] = base64.b64encode(figure.png).decode("ascii")
    value["bbox"] = list(figure.bbox) if figure.bbox else None
    return value


def from_json(value: dict[str, Any]) -> Figure:
    import base64

    bbox = value.get("bbox")
    return Figure(
        int(value["number"]),
        "table" if value["kind"] == "table" else "figure",
        str(value["caption"]),
        int(value["page"]),
        (bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None,
        base64.b64decode(value["png"]),
    )
