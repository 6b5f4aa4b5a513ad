"""Real PDFs (../shared/papers: journal articles, conference papers, preprints) keep their text,
and a scanned PDF is read with OCR. The shared folder is beside the repository; where it is
absent the real-PDF tests skip with the reason, except in CI, which always has it."""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from paper_summarizer.documents import ocr
from paper_summarizer.documents.convert import to_markdown
from paper_summarizer.documents.pdf import convert_pdf, text_layer
from paper_summarizer.documents.sources import Fetched
from tests.conftest import SAMPLE_PAPER
from tests.pdf_factory import make_scanned_pdf

SHARED_PAPERS = Path(__file__).resolve().parents[3] / "shared" / "papers"
REAL_PDFS = sorted(SHARED_PAPERS.rglob("*.pdf")) if SHARED_PAPERS.is_dir() else []


def _words(text: str) -> Counter[str]:
    return Counter(w for w in (re.sub(r"[\W_]+", "", w.lower()) for w in text.split()) if w)


def _require_shared() -> None:
    if REAL_PDFS:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must have the real PDFs in {SHARED_PAPERS}")
    pytest.skip(f"no real PDFs here: {SHARED_PAPERS} is absent")


@pytest.mark.parametrize("path", REAL_PDFS or [None], ids=lambda p: p.name if p else "shared-papers-absent")
def test_every_real_pdf_keeps_its_text(path: Path | None) -> None:
    _require_shared()
    assert path is not None
    data = path.read_bytes()
    markdown, *_ = convert_pdf(data)
    layer = _words(text_layer(data))
    kept = sum((layer & _words(markdown)).values()) / sum(layer.values())
    assert kept >= 0.90, f"{path.name}: kept {kept:.0%} of its text-layer words"
    words = markdown.split()
    glued = [w for w in words if len(re.sub(r"[^A-Za-z]", "", w)) >= 25 and not w.startswith("http")]
    assert len(glued) <= 2 * len(words) / 1000, glued[:5]


@pytest.mark.parametrize("path", REAL_PDFS or [None], ids=lambda p: p.name if p else "shared-papers-absent")
def test_each_page_of_a_real_pdf_starts_where_its_text_does(path: Path | None) -> None:
    """A passage is cited by its page: the converter's page offsets must fall on the page's own
    text. The words of each page's span of the markdown come mostly from that page's layer."""
    import pypdfium2

    from paper_summarizer.documents.pdf import _layer

    _require_shared()
    assert path is not None
    data = path.read_bytes()
    converted = convert_pdf(data)
    markdown, starts = converted.markdown, converted.page_starts
    pdf = pypdfium2.PdfDocument(data)
    layers = [_words(_layer(pdf, i)) for i in range(len(pdf))]
    pdf.close()
    assert len(starts) == len(layers) and list(starts) == sorted(starts)
    ends = [*starts[1:], len(markdown)]
    for page, (start, end) in enumerate(zip(starts, ends, strict=True)):
        span = _words(markdown[start:end])
        if sum(span.values()) < 50:
            continue  # a figure page, or one whose text the title took
        own = sum((span & layers[page]).values()) / sum(span.values())
        # 0.7, not 0.9: a page whose layer splits words inside (one journal's font does) kept
        # PDFium's plain text, whose word breaks differ from the layer's word by word.
        assert own >= 0.7, f"{path.name} page {page + 1}: {own:.0%} of its span's words are on it"


def test_no_real_pdf_is_called_scanned() -> None:
    _require_shared()
    for path in REAL_PDFS:
        to_markdown(Fetched(path.read_bytes(), ".pdf", "", path.stem), path.name)  # raises if "scanned"


@pytest.mark.skipif(not ocr.available(), reason="the ocr extra is not installed (uv sync --extra ocr)")
def test_a_scanned_pdf_is_read_with_ocr_page_by_page(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sentence = "Attention layers learn which words matter most."
    data = make_scanned_pdf(tmp_path / "scan.pdf", sentence).read_bytes()
    assert text_layer(data).strip() == ""
    with caplog.at_level(logging.INFO, logger="paper_summarizer.documents.ocr"):
        markdown, *_ = convert_pdf(data)
    assert sentence.lower() in " ".join(markdown.lower().split())
    assert [r.getMessage() for r in caplog.records] == ["OCR: reading page 1 of 1"]


@pytest.mark.skipif(not ocr.available(), reason="the ocr extra is not installed (uv sync --extra ocr)")
def test_ocr_of_a_clean_page_keeps_every_line_with_its_words_apart(tmp_path: Path) -> None:
    """The sample paper's first page, rendered at 200 dpi as an image-only PDF. RapidOCR's angle
    classifier turned most paragraphs' first lines upside down and dropped them (53% of the
    words came back, glued together); Tesseract reads them all."""
    import io

    import pypdfium2

    from paper_summarizer.documents import worker

    original = pypdfium2.PdfDocument(SAMPLE_PAPER.read_bytes())
    page_text = original[0].get_textpage().get_text_range()
    image = original[0].render(scale=200 / 72).to_pil().convert("RGB")
    original.close()
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=200)
    markdown, *_ = worker.convert(Fetched(buffer.getvalue(), ".pdf", "", "scan"), "scan.pdf")
    wanted = set(re.findall(r"[a-z]{2,}", page_text.lower()))
    got = set(re.findall(r"[a-z]{2,}", markdown.lower()))
    assert len(wanted & got) / len(wanted) >= 0.9
    glued = re.findall(r"[A-Za-z]{25,}", markdown)
    assert not glued
    flat = " ".join(markdown.split())
    for line in ("Large language models", "Judges fail in three ways", "Our evaluator has two stages"):
        assert line in flat


def test_the_character_grid_answers_as_pdfium_does_on_every_real_page(tmp_path: Path) -> None:
    """`_CharIndex` replaces PDFium's per-rect walks on pages with very many runs; on every rect
    of every real page (and a page of 3,000 one-letter runs) it must give PDFium's own answers."""
    import pypdfium2

    from paper_summarizer.documents.pdf import _CharIndex, _PdfiumChars
    from tests.hostile_pdfs import make_many_runs

    _require_shared()
    checked = 0
    for path in [*REAL_PDFS, make_many_runs(tmp_path / "runs.pdf", 3_000)]:
        pdf = pypdfium2.PdfDocument(path.read_bytes())
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()
            grid, pdfium = _CharIndex(textpage), _PdfiumChars(textpage)
            for rect in range(textpage.count_rects()):
                x0, y0, x1, y1 = textpage.get_rect(rect)
                assert grid.text_in(x0, y0, x1, y1) == pdfium.text_in(x0, y0, x1, y1), (path.name, index)
                point = (x0 + 0.5, (y0 + y1) / 2)
                assert grid.index_at(*point) == pdfium.index_at(*point), (path.name, index)
                checked += 1
        pdf.close()
    assert checked > 10_000
