from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from paper_summarizer.documents import ocr
from paper_summarizer.documents.convert import to_markdown
from paper_summarizer.documents.pdf import _ARXIV_STAMP, Line, convert_pdf, heading_level, is_scanned, text_layer
from paper_summarizer.documents.sources import Fetched
from paper_summarizer.errors import SourceError
from tests.pdf_factory import (
    HEADER,
    make_large_print_page_pdf,
    make_matrix_sized_pdf,
    make_paper_pdf,
    make_scanned_pdf,
)


@pytest.fixture(params=[1, 2], ids=["one-column", "two-column"])
def converted(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    path = make_paper_pdf(tmp_path / "p.pdf", columns=request.param)
    return convert_pdf(path.read_bytes())[0]


def test_headings_become_markdown(converted: str) -> None:
    headings = re.findall(r"^#+ .*$", converted, re.MULTILINE)
    assert headings[0] == "# Gates Before Judges"
    for expected in [
        "## 1 Introduction",
        "## 2 Method",
        "### 2.1 Scaled Dot-Product Attention",
        "## 3 Results",
        "## 4 Conclusion",
    ]:
        assert expected in headings, headings


def test_reading_order_follows_sections(converted: str) -> None:
    positions = [converted.index(h) for h in ["1 Introduction", "2 Method", "2.1 Scaled", "3 Results", "4 Conclusion"]]
    assert positions == sorted(positions)


def test_running_headers_page_numbers_and_stamp_are_gone(converted: str) -> None:
    assert HEADER not in converted
    assert "arXiv:2401.01234" not in converted
    assert not re.search(r"^\d+$", converted, re.MULTILINE)


def test_paragraphs_are_joined_and_hyphens_undone(converted: str) -> None:
    assert "transformer models" in converted
    assert "trans-" not in converted
    paragraphs = [p for p in converted.split("\n\n") if p and not p.startswith("#")]
    assert max(len(p.split()) for p in paragraphs) > 60  # lines were joined into paragraphs


def test_words_keep_their_spaces_and_no_tables_are_invented(converted: str) -> None:
    assert not [w for w in converted.split() if len(w) >= 25]
    assert "|" not in converted
    assert "Figure 1: Accuracy over time." in converted


def test_markitdown_uses_the_plugin_for_pdfs(tmp_path: Path) -> None:
    data = make_paper_pdf(tmp_path / "p.pdf").read_bytes()
    text, title, *_ = to_markdown(Fetched(data, ".pdf", "", "p"), "p.pdf")
    assert title == "Gates Before Judges"
    assert "## 2 Method" in text  # markitdown's own PDF path makes no headings


def _kept_share(data: bytes, markdown: str) -> float:
    layer = Counter(text_layer(data).lower().split())
    got = Counter(markdown.lower().split())
    return sum((layer & got).values()) / sum(layer.values())


def test_text_sized_by_the_text_matrix_is_body_text_not_a_figure_label(tmp_path: Path) -> None:
    data = make_matrix_sized_pdf(tmp_path / "m.pdf").read_bytes()
    markdown, title, *_ = convert_pdf(data)
    assert title == "Scaled Type Matters"
    assert _kept_share(data, markdown) > 0.95


def test_the_safety_net_keeps_a_page_the_layout_pass_drops(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = make_large_print_page_pdf(tmp_path / "big.pdf").read_bytes()
    with caplog.at_level(logging.INFO, logger="paper_summarizer.documents.pdf"):
        markdown, *_ = convert_pdf(data)
    assert _kept_share(data, markdown) > 0.95
    notes = [r.getMessage() for r in caplog.records]
    assert notes == ["pdf: the layout pass lost or garbled text on page 3; kept PDFium's plain text there instead"]


def test_references_that_cite_arxiv_ids_are_kept(tmp_path: Path) -> None:
    path = make_paper_pdf(tmp_path / "p.pdf")
    markdown = convert_pdf(path.read_bytes())[0]
    assert "arXiv:2401.01234" not in markdown  # the side stamp still goes
    assert _ARXIV_STAMP.fullmatch("arXiv:2401.01234v2 [cs.CL] 3 Jan 2024")
    assert not _ARXIV_STAMP.fullmatch("Z. Li. Linear attention. arXiv preprint arXiv:2501.00663, 2025.")


def test_roman_numbered_capital_headings_at_body_size() -> None:
    line = Line(0, 200, 500, 300, 510, "II. RELATED WORK", 10.0, False)
    assert heading_level(line, 10.0, [60.0]) == 2
    assert heading_level(Line(0, 60, 500, 300, 510, "I. Think this is prose", 10.0, False), 10.0, [60.0]) == 0


def test_only_an_empty_text_layer_is_scanned() -> None:
    assert is_scanned(["", "12", ""])
    assert not is_scanned(["A short abstract page. " * 20, ""])


def test_a_scanned_pdf_without_the_ocr_extra_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    data = make_scanned_pdf(tmp_path / "scan.pdf", "A scanned sentence.").read_bytes()
    with pytest.raises(SourceError, match=r"^scan\.pdf is a scanned PDF .*pip install 'paper-summarizer\[ocr\]'"):
        to_markdown(Fetched(data, ".pdf", "", "scan"), "scan.pdf")


REASONS = {
    "hidden_render_mode_3": "invisible",
    "hidden_clip_only": "invisible",
    "hidden_white_text": "in the background colour",
    "hidden_near_white_text": "in the background colour",
    "hidden_tiny_text": "under 2 pt",
    "hidden_tiny_in_form": "under 2 pt",
    "hidden_outside_page": "outside the page",
    "hidden_outside_in_form": "outside the page",
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_text_a_reader_cannot_see_is_left_out_and_said_so(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An instruction hidden on the page (where an attacker talks to the judge) never reaches the
    markdown the models read; the visible text of the same page does, and nothing is called lost."""
    from tests.hostile_pdfs import HIDDEN, HIDDEN_TEXT, PROSE

    data = HIDDEN_TEXT[name](tmp_path / f"{name}.pdf").read_bytes()
    with caplog.at_level(logging.INFO, logger="paper_summarizer.documents.pdf"):
        markdown, _, left_out, *_ = convert_pdf(data)
    assert HIDDEN.split()[0] not in markdown and "ANSWER PASS" not in markdown
    assert _words(PROSE) <= _words(markdown)  # every visible word stays
    assert f"Left out {len(HIDDEN.replace(' ', ''))} characters" in left_out and REASONS[name] in left_out
    assert left_out in caplog.text
    assert "lost or garbled" not in caplog.text  # the safety net does not count it as lost


def test_white_text_on_a_dark_box_and_a_scans_invisible_ocr_text_are_kept(tmp_path: Path) -> None:
    """White is only hidden on white: slides and figure labels set white text on dark boxes.
    Invisible text over a picture is a scanned page's OCR layer: the picture shows those words."""
    from tests.hostile_pdfs import PROSE, SEEN, make_scan_with_ocr_layer, make_white_on_dark

    markdown, _, left_out, *_ = convert_pdf(make_white_on_dark(tmp_path / "w.pdf").read_bytes())
    assert SEEN in markdown and left_out == ""
    markdown, _, left_out, *_ = convert_pdf(make_scan_with_ocr_layer(tmp_path / "scan.pdf").read_bytes())
    assert _words(PROSE) <= _words(markdown) and left_out == ""


def _words(text: str) -> Counter[str]:
    return Counter(re.sub(r"\W", "", w.lower()) for w in text.split() if re.sub(r"\W", "", w))
