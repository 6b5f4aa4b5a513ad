from __future__ import annotations

import re
from pathlib import Path

import pytest

from paper_summarizer.documents.convert import to_markdown
from paper_summarizer.documents.pdf import convert_pdf
from paper_summarizer.documents.sources import Fetched
from tests.pdf_factory import HEADER, make_paper_pdf


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
    text, title = to_markdown(Fetched(data, ".pdf", "", "p"), "p.pdf")
    assert title == "Gates Before Judges"
    assert "## 2 Method" in text  # markitdown's own PDF path makes no headings
