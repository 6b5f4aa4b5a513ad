"""OCR for scanned PDFs: each page is rendered with PDFium and read by RapidOCR, the optional
`ocr` extra (rapidocr-onnxruntime: Apache-2.0, its models inside the wheel, CPU only). It gives
text lines with their boxes; `pdf` lays them out like any other page."""

from __future__ import annotations

import functools
import importlib.util
import logging
from typing import Any

import pypdfium2

from paper_summarizer.documents.limits import MAX_OCR_PAGES, Limits
from paper_summarizer.errors import SourceError

# 1.25 x 72 = 90 dpi. Measured on real journal pages rendered at 72 to 180 dpi: the recognizer
# keeps the spaces between words best when body text is 12 to 15 pixels high (91% of a page's
# words at 90 dpi, 62% at 144 dpi), and it is fastest there too (about 4 s a page on 2 cores).
RENDER_SCALE = 1.25
INSTALL_HINT = "install the OCR extra: pip install 'paper-summarizer[ocr]' (or uv sync --extra ocr)"

log = logging.getLogger(__name__)

# (x0, y0, x1, y1, text) in PDF points, y upwards as PDFium reports text boxes.
Box = tuple[float, float, float, float, str]


class ScannedPdfError(SourceError):
    """A scanned PDF (no text layer) and no OCR engine to read it."""


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def read_pages(pdf: pypdfium2.PdfDocument, limits: Limits) -> list[list[Box]]:
    """Every page's text lines, read from its rendered image; one progress line per page."""
    if not available():
        raise ScannedPdfError(f"a scanned PDF (it has no text layer); to read it, {INSTALL_HINT}")
    if len(pdf) > limits.max_ocr_pages:
        raise ScannedPdfError(
            f"a scanned PDF of {len(pdf):,} pages; OCR reads at most {limits.max_ocr_pages} ({MAX_OCR_PAGES})"
        )
    engine = _engine()
    pages: list[list[Box]] = []
    for index in range(len(pdf)):
        log.info("OCR: reading page %d of %d", index + 1, len(pdf))
        page = pdf[index]
        width, height = page.get_size()
        if width * height * RENDER_SCALE**2 > limits.max_render_pixels:
            raise ScannedPdfError(
                f"a scanned PDF whose page {index + 1} is {width:,.0f} x {height:,.0f} points, "
                "too large to read with OCR"
            )
        image = page.render(scale=RENDER_SCALE).to_numpy()
        page.close()
        found, _ = engine(image)
        boxes: list[Box] = []
        for corners, text, _score in found or []:
            xs = [float(x) / RENDER_SCALE for x, _ in corners]
            ys = [height - float(y) / RENDER_SCALE for _, y in corners]
            boxes.append((min(xs), min(ys), max(xs), max(ys), str(text)))
        pages.append(boxes)
    return pages
