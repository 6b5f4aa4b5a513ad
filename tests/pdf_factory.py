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
