"""PDFs drawn line by line with reportlab, so tests know exactly what a converter must recover:
one or two columns, numbered sections, end-of-line hyphens, running headers, page numbers and an
arXiv-style side stamp."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from tests.factories import prose

WIDTH, HEIGHT = letter
HEADER = "Preprint. Under review at a venue."
STAMP = "arXiv:2401.01234v2 [cs.CL] 3 Jan 2024"


def make_paper_pdf(path: Path, *, columns: int = 1, pages: int = 3) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=letter)
    margin, gutter = 60.0, 24.0
    column_width = (WIDTH - 2 * margin - (columns - 1) * gutter) / columns
    chars_per_line = int(column_width / 5.0)
    sections = [
        ("1 Introduction", prose(160, 1) + " We build trans-former models."),
        ("2 Method", prose(160, 2)),
        ("2.1 Scaled Dot-Product Attention", prose(140, 3)),
        ("3 Results", "Figure 1: Accuracy over time. " + prose(150, 4)),
        ("4 Conclusion", prose(120, 5)),
    ]
    page, column, y = 1, 0, HEIGHT - 80.0
    columns_top = HEIGHT - 80.0  # on page 1 the columns start below the title block

    def start_page() -> None:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(margin, HEIGHT - 40, HEADER)
        pdf.drawCentredString(WIDTH / 2, 30, str(page))
        pdf.saveState()
        pdf.setFont("Times-Roman", 14)
        pdf.translate(25, 250)
        pdf.rotate(90)
        pdf.drawString(0, 0, STAMP)
        pdf.restoreState()

    def next_line(height: float) -> tuple[float, float]:
        nonlocal page, column, y, columns_top
        if y < 70:
            column += 1
            y = columns_top
            if column >= columns:
                pdf.showPage()
                page += 1
                column = 0
                y = columns_top = HEIGHT - 80.0
                start_page()
        x = margin + column * (column_width + gutter)
        y -= height
        return x, y + height

    start_page()
    pdf.setFont("Times-Bold", 20)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 90, "Gates Before Judges")
    pdf.setFont("Times-Roman", 10)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 110, "A. Author and B. Author")
    y = HEIGHT - 140.0
    if columns == 2:
        pdf.setFont("Times-Bold", 12)
        pdf.drawCentredString(WIDTH / 2, y, "Abstract")
        pdf.setFont("Times-Roman", 10)
        for i, line in enumerate(_wrap(prose(60, 9), int((WIDTH - 2 * margin) / 5.0))):
            pdf.drawString(margin, y - 16 - 12 * i, line)
        y -= 16 + 12 * 6 + 20
    columns_top = y
    for heading, text in sections:
        x, top = next_line(22)
        pdf.setFont("Times-Bold", 12 if heading.count(".") == 0 else 11)
        pdf.drawString(x, top - 14, heading)
        pdf.setFont("Times-Roman", 10)
        for line in _wrap(text, chars_per_line, hyphenate="transformer"):
            x, top = next_line(12)
            pdf.drawString(x, top - 12, line)
        y -= 8
    pdf.save()
    return path


def _wrap(text: str, width: int, hyphenate: str = "") -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if word.startswith("trans-former"):
            # Force "trans-" to end a line and "former" to start the next, as typesetters do.
            lines.append((current + " trans-").strip())
            current = word.replace("trans-", "")
            continue
        if len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def make_matrix_sized_pdf(path: Path) -> Path:
    """Body text set at font size 1 and scaled up by the text matrix, as TeX and Type 3 fonts
    often do: the nominal size says nothing about what the reader sees."""
    pdf = canvas.Canvas(str(path), pagesize=letter)
    text = pdf.beginText()
    y = HEIGHT - 80
    text.setFont("Times-Bold", 1)
    text.setTextTransform(18, 0, 0, 18, 60, y)
    text.textOut("Scaled Type Matters")
    text.setFont("Times-Roman", 1)
    for i, line in enumerate(_wrap(prose(400, 11), 95)):
        text.setTextTransform(10, 0, 0, 10, 60, y - 40 - 12 * i)
        text.textOut(line)
    pdf.drawText(text)
    pdf.save()
    return path


def make_large_print_page_pdf(path: Path) -> Path:
    """Two pages of ordinary 10 pt prose, then a page of the same prose in 17 pt: the layout pass
    takes text far from the body size for figure labels, so only the safety net keeps page 3."""
    pdf = canvas.Canvas(str(path), pagesize=letter)
    for page, (size, seed) in enumerate([(10, 21), (10, 22), (17, 23)]):
        pdf.setFont("Times-Roman", size)
        chars = int((WIDTH - 120) / (size * 0.5))
        for i, line in enumerate(_wrap(prose(300 if page < 2 else 150, seed), chars)):
            pdf.drawString(60, HEIGHT - 80 - (size + 2) * i, line)
        pdf.showPage()
    pdf.save()
    return path


def make_scanned_pdf(path: Path, sentence: str, pages: int = 1) -> Path:
    """A page with text, rendered to an image and saved as an image-only PDF (of `pages` copies
    of it): a scan."""
    import io

    import pypdfium2
    from PIL import Image

    source = io.BytesIO()
    pdf = canvas.Canvas(source, pagesize=letter)
    pdf.setFont("Times-Roman", 11)
    pdf.drawString(72, HEIGHT - 120, sentence)
    pdf.save()
    rendered = pypdfium2.PdfDocument(source.getvalue())
    image: Image.Image = rendered[0].render(scale=2).to_pil().convert("RGB")
    rendered.close()
    image.save(path, "PDF", resolution=144, save_all=True, append_images=[image] * (pages - 1))
    return path


Box = tuple[float, float, float, float]  # left, bottom, right, top, in PDF points


def make_figures_pdf(path: Path) -> dict[str, Box]:
    """One two-column page with three figures among body text: a vector plot (bars, axes and
    labels) with its caption below, in the left column; a picture with its caption below, then a
    vector diagram with its caption above it, in the right one; and a "Figure 4:" caption in
    the body with no figure near it. Returns where each was drawn: `figure N` (the drawing, its
    labels included), `caption N`, and each line of body text, `line K`."""
    import io

    from PIL import Image

    pdf = canvas.Canvas(str(path), pagesize=letter)
    boxes: dict[str, Box] = {}
    left, right, column = 60.0, 318.0, 234.0

    def text(x: float, y: float, line: str, font: str = "Times-Roman", size: float = 10) -> Box:
        pdf.setFont(font, size)
        pdf.drawString(x, y, line)
        return (x, y - 0.25 * size, x + pdf.stringWidth(line, font, size), y + 0.75 * size)

    def body(x: float, top: float, bottom: float, seed: int) -> None:
        words, y = prose(400, seed).split(), top
        while words and y >= bottom:  # lines as wide as the column, as a typesetter fills them
            line = words.pop(0)
            while words and pdf.stringWidth(f"{line} {words[0]}", "Times-Roman", 10) <= column:
                line += " " + words.pop(0)
            boxes[f"line {len(boxes)}"] = text(x, y, line)
            y -= 12

    def caption(x: float, y: float, words: list[str], number: int) -> None:
        found = [text(x, y - 11 * i, line, size=9) for i, line in enumerate(words)]
        boxes[f"caption {number}"] = (
            min(b[0] for b in found),
            min(b[1] for b in found),
            max(b[2] for b in found),
            max(b[3] for b in found),
        )

    # Left column: text, the plot (y 470-600), its caption, text.
    body(left, 740, 620, 1)
    pdf.setLineWidth(1)
    pdf.line(90, 480, 90, 595)  # y axis
    pdf.line(90, 480, 285, 480)  # x axis
    for i, height in enumerate([40, 75, 60, 100, 85]):
        pdf.setFillColorRGB(0.2, 0.4, 0.8)
        pdf.rect(100 + 33 * i, 480, 22, height, fill=1, stroke=0)
    pdf.setFillColorRGB(0, 0, 0)
    text(80, 476, "0", size=7)
    text(150, 470, "Training step", size=7)
    pdf.saveState()
    pdf.translate(75, 510)
    pdf.rotate(90)
    text(0, 0, "Loss", size=7)  # a rotated axis title: the text page skips it, the crop must not
    pdf.restoreState()
    text(250, 590, "Model B", size=7)
    boxes["figure 1"] = (70, 467, 285, 596)
    caption(left, 455, ["Figure 1: Loss over training steps for the five runs,", "lower is better."], 1)
    body(left, 420, 80, 2)

    # Right column: text, a picture (y 530-660), its caption, text, a caption, the diagram below it.
    body(right, 740, 680, 3)
    picture = Image.new("RGB", (200, 130))
    picture.putdata([(x % 256, (x * y) % 256, y * 2 % 256) for y in range(130) for x in range(200)])
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    buffer.seek(0)
    from reportlab.lib.utils import ImageReader

    pdf.drawImage(ImageReader(buffer), 340, 530, width=190, height=130)
    boxes["figure 2"] = (340, 530, 530, 660)
    caption(right, 515, ["Figure 2: A picture of the measured signal."], 2)
    body(right, 495, 385, 4)
    caption(right, 362, ["Figure 3: The pipeline, from the source to the summary."], 3)
    for i, label in enumerate(["Source", "Writer", "Judge"]):
        pdf.rect(335 + 75 * i, 300, 55, 40, fill=0, stroke=1)
        text(342 + 75 * i, 316, label, size=8)
        if i:
            pdf.line(335 + 75 * i - 20, 320, 335 + 75 * i, 320)
    pdf.line(400, 300, 400, 250)
    text(405, 252, "Summary", size=8)
    boxes["figure 3"] = (335, 248, 540, 340)
    body(right, 215, 120, 5)
    # A caption in the text with no figure near it: nothing to crop.
    caption(right, 100, ["Figure 4: Shown in the appendix."], 4)
    pdf.save()
    return boxes


def make_split_table_pdf(path: Path, *, split: bool, caption_above: bool = False) -> Box:
    """A two-column page with a ruled table and its caption "Table 1: ..." among body text.
    By default the right column starts with the table, its caption under it; with
    `caption_above`, the left column ends with the caption and the table under it. With `split`,
    the table goes on in the other column (its first rows at the foot of the left column, or its
    last rows at the top of the right one), as a long table is set; otherwise that column is
    body text. Returns the box of the rows beside the caption."""
    pdf = canvas.Canvas(str(path), pagesize=letter)
    left, right, column = 60.0, 318.0, 234.0

    def body(x: float, top: float, bottom: float, seed: int) -> None:
        words, y = prose(400, seed).split(), top
        while words and y >= bottom:
            line = words.pop(0)
            while words and pdf.stringWidth(f"{line} {words[0]}", "Times-Roman", 10) <= column:
                line += " " + words.pop(0)
            pdf.setFont("Times-Roman", 10)
            pdf.drawString(x, y, line)
            y -= 12

    def rows(x: float, top: float, count: int, first: int) -> Box:
        pdf.setLineWidth(0.5)
        for i in range(count + 1):
            pdf.line(x, top - 20 * i, x + column, top - 20 * i)
        for edge in (x, x + 60, x + column):
            pdf.line(edge, top, edge, top - 20 * count)
        pdf.setFont("Times-Roman", 9)
        for i in range(count):
            pdf.drawString(x + 4, top - 20 * i - 14, f"R{first + i}")
            pdf.drawString(x + 64, top - 20 * i - 14, ("Scalability", "Security", "Portability")[i % 3])
        return (x, top - 20 * count, x + column, top)

    def caption(x: float, y: float) -> None:
        pdf.setFont("Times-Roman", 9)
        pdf.drawString(x, y, "Table 1: Name and description of each requirement.")

    if caption_above:
        body(left, 740, 340, 1)
        caption(left, 325)
        box = rows(left, 310, 12, 1)  # down to the column's foot, y 70
        if split:
            rows(right, 740, 5, 13)
            body(right, 600, 80, 2)
        else:
            body(right, 740, 80, 2)
    else:
        if split:
            body(left, 740, 330, 1)
            rows(left, 310, 12, 1)
        else:
            body(left, 740, 80, 1)
        box = rows(right, 740, 5, 13 if split else 1)
        caption(right, 625)
        body(right, 600, 80, 2)
    pdf.save()
    return box
