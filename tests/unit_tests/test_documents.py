from __future__ import annotations

import re
from pathlib import Path

import pytest

from paper_summarizer.documents import budget, sources
from paper_summarizer.documents.sources import Access
from paper_summarizer.errors import SourceError
from tests.factories import paper_markdown, prose
from tests.graph_runs import awaited


@pytest.mark.parametrize(
    ("text", "kind", "location"),
    [
        ("2506.13585", "arxiv", "2506.13585"),
        ("2506.13585v2", "arxiv", "2506.13585v2"),
        ("arXiv:1706.03762", "arxiv", "1706.03762"),
        ("hep-th/9901001", "arxiv", "hep-th/9901001"),
        ("math.GT/0309136v1", "arxiv", "math.GT/0309136v1"),
        ("https://arxiv.org/abs/2506.13585", "arxiv", "2506.13585"),
        ("https://arxiv.org/pdf/2506.13585v1.pdf", "arxiv", "2506.13585v1"),
        ("http://arxiv.org/html/2506.13585v1", "arxiv", "2506.13585v1"),
        ("https://example.org/paper.pdf", "url", "https://example.org/paper.pdf"),
        ("paper.pdf", "file", "paper.pdf"),
    ],
)
def test_parse(text: str, kind: str, location: str) -> None:
    parsed = sources.parse(text)
    assert (parsed.kind, parsed.location) == (kind, location)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2506.135", "malformed arXiv ID"),
        ("arxiv:banana", "malformed arXiv ID"),
        ("ftp://example.org/p.pdf", "unsupported URL scheme 'ftp'"),
        ("file:///etc/passwd", "unsupported URL scheme 'file'"),
        ("https://arxiv.org/list/cs.CL/recent", "not an arXiv paper URL"),
        ("  ", "empty source"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        sources.parse(text)


def test_local_files_need_permission_and_must_be_real(tmp_path: Path) -> None:
    good = tmp_path / "p.md"
    good.write_text("text")
    with pytest.raises(SourceError, match="turned off"):
        sources.fetch(
            sources.parse(str(good)),
            access=Access(local_files=False, private_urls=False, model_urls=False),
            max_bytes=100,
        )
    with pytest.raises(SourceError, match="no such file"):
        sources.fetch(sources.parse(str(tmp_path / "nope.pdf")), access=Access.for_user(), max_bytes=100)
    with pytest.raises(SourceError, match="is a directory"):
        sources.fetch(sources.parse(str(tmp_path)), access=Access.for_user(), max_bytes=100)
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(SourceError, match="is empty"):
        sources.fetch(sources.parse(str(tmp_path / "empty.pdf")), access=Access.for_user(), max_bytes=100)


def test_fit_keeps_what_fits_and_says_what_it_left_out() -> None:
    text = paper_markdown()
    assert budget.fit(text, 100_000) == (text, "")
    long = text + "\n\n## 5 Extra Experiments\n\n" + prose(3000, 3) + "\n\n## References\n\n" + prose(500, 4)
    fitted, notice = budget.fit(long, budget.tokens(text) + 50)
    assert "## Abstract" in fitted and "## 4 Conclusion" in fitted and "## 1 Introduction" in fitted
    assert "References" not in fitted
    assert "left out:" in notice and "5 Extra Experiments" in notice
    # Sections stay in reading order.
    assert fitted.index("## 1 Introduction") < fitted.index("## 3 Results") < fitted.index("## 4 Conclusion")


def test_priority_sections_survive_a_tight_budget() -> None:
    text = paper_markdown()
    fitted, notice = budget.fit(text, 260)
    assert "## Abstract" in fitted and "## 1 Introduction" in fitted
    assert "2 Method" in notice


def test_conversion_is_cached_by_the_bytes_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from langgraph.store.memory import InMemoryStore

    from paper_summarizer.documents import library, worker

    calls = []
    real = worker.aconvert

    async def counting(*args: object) -> tuple[str, str]:
        calls.append(args)
        return await real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(worker, "aconvert", counting)
    store = InMemoryStore()
    first = tmp_path / "a.md"
    first.write_text(paper_markdown())
    copy = tmp_path / "b.md"
    copy.write_text(paper_markdown())
    a, _ = awaited(library.load(str(first), store, access=Access.for_user(), max_bytes=10**6))
    b, _ = awaited(library.load(str(copy), store, access=Access.for_user(), max_bytes=10**6))
    assert a["key"] == b["key"] and len(calls) == 1  # same bytes, converted once
    first.write_text(paper_markdown() + "\nmore")
    assert awaited(library.load(str(first), store, access=Access.for_user(), max_bytes=10**6))[0]["key"] != a["key"]
    assert len(calls) == 2


def test_budget_leaves_room_for_the_paper_whatever_the_output_limit() -> None:
    assert budget.paper_budget(8192, 1024) == 8192 - 2048 - budget.PROMPT_OVERHEAD_TOKENS
    assert budget.paper_budget(8192, 8192) == 8192 - 4096 - budget.PROMPT_OVERHEAD_TOKENS
    assert budget.paper_budget(64_000, 8192) == 64_000 - 16_384 - budget.PROMPT_OVERHEAD_TOKENS


def test_a_served_run_reads_the_types_papers_come_in_told_by_their_bytes() -> None:
    import io
    import zipfile

    from paper_summarizer.documents.sources import Access, Fetched

    served, user = Access.for_deployment(), Access.for_user()
    pdf = Fetched(b"%PDF-1.7\n...", ".txt", "", "p")
    assert served.check_type(pdf, "p.txt").extension == ".pdf" == user.check_type(pdf, "p.txt").extension
    for name in ("p.md", "p.html", "p.txt", "p"):
        doc = Fetched(b"# A paper\n\nText.", name.partition(".")[1] and "." + name.partition(".")[2], "", "p")
        assert served.check_type(doc, name) is doc
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    docx = Fetched(archive.getvalue(), ".docx", "", "p")
    assert served.check_type(docx, "p.docx") is docx
    for name, refusal in [
        ("p.zip", "p.zip is a ZIP archive; this deployment reads PDF, HTML, plain text, markdown and DOCX files"),
        ("p.xlsx", "p.xlsx is a ZIP archive"),
        ("p.epub", "p.epub is a .epub file; this deployment reads"),
        ("p.txt", "p.txt is a .txt file"),  # a NUL in the first 8 KB: not text
    ]:
        data = archive.getvalue() if name in ("p.zip", "p.xlsx") else b"\0binary"
        with pytest.raises(SourceError, match=re.escape(refusal)):
            served.check_type(Fetched(data, "." + name.split(".")[1], "", "p"), name)
    assert user.check_type(Fetched(b"\0binary", ".epub", "", "p"), "p.epub").extension == ".epub"  # the user's own
