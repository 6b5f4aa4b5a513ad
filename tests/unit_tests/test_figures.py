"""Figures: crops located on a generated two-column page, arXiv's HTML figures, where a summary
shows them, and their storage with the paper."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from paper_summarizer import figure_markers
from paper_summarizer.documents import figures
from paper_summarizer.documents.figures import Box, Figure
from tests.pdf_factory import make_figures_pdf, make_split_table_pdf

SHARED_PAPERS = Path(__file__).resolve().parents[3] / "shared" / "papers"


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _contains(outer: Box, inner: Box, slack: float = 1.0) -> bool:
    return (
        outer[0] <= inner[0] + slack
        and outer[1] <= inner[1] + slack
        and outer[2] >= inner[2] - slack
        and outer[3] >= inner[3] - slack
    )


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Box], list[Figure]]:
    path = tmp_path_factory.mktemp("figures") / "two-columns.pdf"
    boxes = make_figures_pdf(path)
    return boxes, figures.pdf_figures(path.read_bytes())


def test_each_crop_holds_its_whole_figure_and_neither_its_caption_nor_the_text(
    drawn: tuple[dict[str, Box], list[Figure]],
) -> None:
    boxes, found = drawn
    assert [(figure.number, figure.kind, figure.page) for figure in found] == [
        (2, "figure", 1),  # the page is read top to bottom
        (1, "figure", 1),
        (3, "figure", 1),
    ]
    body = [box for name, box in boxes.items() if name.startswith("line")]
    for figure in found:
        assert figure.bbox is not None
        assert _contains(figure.bbox, boxes[f"figure {figure.number}"]), figure.number
        assert not _overlaps(figure.bbox, boxes[f"caption {figure.number}"]), figure.number
        assert not any(_overlaps(figure.bbox, line) for line in body), figure.number


def test_the_caption_is_the_papers_text_and_the_png_is_screen_sized(
    drawn: tuple[dict[str, Box], list[Figure]],
) -> None:
    _, found = drawn
    plot = next(figure for figure in found if figure.number == 1)
    assert plot.caption == "Figure 1: Loss over training steps for the five runs, lower is better."
    assert plot.bbox is not None
    with Image.open(io.BytesIO(plot.png)) as image:
        assert image.format == "PNG"
        assert image.width == pytest.approx((plot.bbox[2] - plot.bbox[0]) * figures.RENDER_DPI / 72, abs=2)
    assert all(len(figure.png) <= figures.MAX_PNG_BYTES for figure in found)


def test_a_caption_with_no_figure_near_it_is_left_out(drawn: tuple[dict[str, Box], list[Figure]]) -> None:
    assert 4 not in {figure.number for figure in drawn[1]}


@pytest.mark.parametrize("caption_above", [False, True])
def test_a_table_split_across_columns_is_left_out_not_shown_cut_off(caption_above: bool, tmp_path: Path) -> None:
    whole, split = tmp_path / "whole.pdf", tmp_path / "split.pdf"
    rows = make_split_table_pdf(whole, split=False, caption_above=caption_above)
    make_split_table_pdf(split, split=True, caption_above=caption_above)
    [table] = figures.pdf_figures(whole.read_bytes())
    assert table.label == "Table 1" and table.bbox is not None and _contains(table.bbox, rows)
    assert figures.pdf_figures(split.read_bytes()) == []


def test_a_large_noisy_picture_still_fits_in_a_small_png() -> None:
    noise = Image.frombytes("RGB", (1600, 1200), random.Random(0).randbytes(1600 * 1200 * 3))
    png = figures.small_png(noise)
    assert len(png) <= figures.MAX_PNG_BYTES
    assert Image.open(io.BytesIO(png)).width < 1600


LATEXML = """<!DOCTYPE html><html><head><base href="/html/2401.01234v2/"></head><body>
<figure class="ltx_figure" id="S1.F1"><img src="x1.png" class="ltx_graphics" alt="">
<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>Accuracy
over <em>training</em> steps.</figcaption></figure>
<figure class="ltx_figure" id="S2.F2"><div class="ltx_flex_figure">
<figure class="ltx_figure ltx_figure_panel"><img src="x2.png"><figcaption>(a) Loss</figcaption></figure>
<div class="ltx_flex_break"></div>
<figure class="ltx_figure ltx_figure_panel"><img src="x3.png"><figcaption>(b) Speed</figcaption></figure>
</div><figcaption class="ltx_caption"><span class="ltx_tag">Figure 2: </span>Two panels.</figcaption></figure>
<figure class="ltx_table" id="S3.T1"><figcaption><span class="ltx_tag">Table 1: </span>Scores.</figcaption>
<table><tr><td>1</td></tr></table></figure>
<figure class="ltx_figure" id="S4.F3"><img src="https://cdn.example.org/f3.png">
<figcaption><span class="ltx_tag">Figure 3: </span>Elsewhere.</figcaption></figure>
</body></html>"""


def test_arxiv_html_figures_with_their_captions_and_image_urls() -> None:
    found = figures.html_figures(LATEXML.encode(), "https://arxiv.org/html/2401.01234v2")
    page = "https://arxiv.org/html/2401.01234v2/"
    assert [(f.number, f.caption, f.urls, f.rows) for f in found] == [
        (1, "Figure 1: Accuracy over training steps.", (page + "x1.png",), (0,)),
        (2, "Figure 2: Two panels.", (page + "x2.png", page + "x3.png"), (0, 1)),
        # Table 1 is HTML, no image.
        (3, "Figure 3: Elsewhere.", ("https://cdn.example.org/f3.png",), (0,)),
    ]


def _png(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_downloaded_images_become_small_pngs_and_broken_ones_are_left_out() -> None:
    one, two, three = figures.html_figures(LATEXML.encode(), "https://arxiv.org/html/2401.01234v2")
    tiff = io.BytesIO()
    Image.new("RGB", (40, 30)).save(tiff, "TIFF")
    made = figures.image_figures(
        [
            (one, [_png((40, 30), (255, 0, 0, 0), "RGBA")]),
            (two, [_png((40, 30), (255, 0, 0)), b"<html>not an image</html>"]),  # half a figure: none
            (three, [tiff.getvalue()]),  # not a web page's image format: not decoded at all
        ]
    )
    assert [(f.number, f.page, f.bbox) for f in made] == [(1, 0, None)]
    with Image.open(io.BytesIO(made[0].png)) as image:
        assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)  # transparent: on white


def test_a_figures_panels_are_laid_out_in_their_rows() -> None:
    figure = figures.HtmlFigure(2, "figure", "Figure 2: Three panels.", ("a", "b", "c"), (0, 0, 1))
    red, blue, green = _png((40, 30), (255, 0, 0)), _png((80, 60), (0, 0, 255)), _png((50, 20), (0, 255, 0))
    (made,) = figures.image_figures([(figure, [red, blue, green])])
    with Image.open(io.BytesIO(made.png)) as image:
        image = image.convert("RGB")
        # Row 1: red and blue (scaled to red's 30 px), side by side; row 2: green, centred.
        assert image.size == (40 + 12 + 40, 30 + 12 + 20)
        assert image.getpixel((5, 5)) == (255, 0, 0) and image.getpixel((60, 5)) == (0, 0, 255)
        assert image.getpixel((46, 50)) == (0, 255, 0) and image.getpixel((5, 50)) == (255, 255, 255)


def test_a_figure_survives_the_store_format() -> None:
    figure = Figure(3, "table", "Table 3: Scores.", 5, (1.0, 2.0, 3.0, 4.0), b"\x89PNG...")
    assert figures.from_json(figures.to_json(figure)) == figure


def test_figures_are_found_once_per_paper_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from langgraph.store.memory import InMemoryStore

    from paper_summarizer.documents import library, worker
    from paper_summarizer.documents.sources import Access
    from tests.graph_runs import awaited

    calls = []
    real = worker.afigures

    async def counting(*args: object) -> list[Figure]:
        calls.append(args)
        return await real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(worker, "afigures", counting)
    path = make_figures_pdf(tmp_path / "paper.pdf") and tmp_path / "paper.pdf"
    store = InMemoryStore()
    access = Access.for_user()
    ref, _ = awaited(library.load(str(path), store, access=access, max_bytes=10**7, with_figures=True))
    again, _ = awaited(library.load(str(path), store, access=access, max_bytes=10**7, with_figures=True))
    assert len(calls) == 1 and again["key"] == ref["key"]
    stored = awaited(library.figures(store, ref))
    assert sorted(figure.number for figure in stored) == [1, 2, 3]
    assert all(figure.png.startswith(b"\x89PNG") for figure in stored)
    # The text's item holds no figures: reading the text stays as cheap as before.
    assert "figures" not in store.get(library.NAMESPACE, ref["key"]).value  # type: ignore[union-attr]


# --- where a summary shows them -----------------------------------------------------------------

PLOT = Figure(3, "figure", "Figure 3: Accuracy over training steps. Higher is better.", 4, None, b"")
PIPELINE = Figure(1, "figure", "Figure 1: The pipeline [in *brief*].", 2, None, b"")
SCORES = Figure(2, "table", "Table 2: Scores.", 5, None, b"")
SUMMARY = """# Summary

The model learns fast.

[[Figure 3]]

It beats the baseline.

[[Figure 9]]

[[Figure 1]]
[[Table 2]]
"""


def test_markers_become_images_with_the_papers_words_up_to_the_limit() -> None:
    placed = figure_markers.place(SUMMARY, [PIPELINE, SCORES, PLOT], "paper")
    assert placed.unknown == ["[[Figure 9]]"]
    assert [figure.number for figure in placed.used] == [3, 1]  # max_figures=2: Table 2 is dropped
    assert "![Figure 3: Accuracy over training steps.](paper.figures/figure-3.png)" in placed.markdown
    assert "*Figure 3, in the paper's words: “Figure 3: Accuracy over training steps. Higher is better.”*" in (
        placed.markdown
    )
    assert "![Figure 1: The pipeline (in \\*brief\\*).](paper.figures/figure-1.png)" in placed.markdown
    assert "[[" not in placed.markdown and "table-2.png" not in placed.markdown


def test_no_figures_when_turned_off_but_unknown_markers_still_reported() -> None:
    placed = figure_markers.place(SUMMARY, [PIPELINE, SCORES, PLOT], "paper", max_figures=0)
    assert placed.used == [] and placed.unknown == ["[[Figure 9]]"]
    assert "![" not in placed.markdown and "[[" not in placed.markdown
    assert figure_markers.figure_list([PLOT], max_figures=0) == ""


def test_a_marker_inside_a_sentence_is_not_a_figure() -> None:
    text = "As [[Figure 3]] shows, it works.\n"
    assert figure_markers.place(text, [PLOT], "p").markdown == text


def test_the_figure_list_for_the_writer_names_each_marker() -> None:
    listed = figure_markers.figure_list([PIPELINE, SCORES])
    assert listed.splitlines() == [
        "- [[Figure 1]] Figure 1: The pipeline [in *brief*].",
        "- [[Table 2]] Table 2: Scores.",
    ]


def test_the_gates_read_the_summary_without_its_markers_and_no_caption_is_there_yet() -> None:
    """Captions are put in after the gates (in finalize): the gates count only the summary's words."""
    own = figure_markers.without_markers(SUMMARY)
    assert "Higher is better" not in own and "pipeline" not in own and "[[" not in own
    assert own == "# Summary\n\nThe model learns fast.\n\nIt beats the baseline.\n\n"


# --- the shared papers --------------------------------------------------------------------------


@pytest.mark.skipif(not (SHARED_PAPERS / "2506.13585.pdf").exists(), reason="../shared/papers is not here")
def test_a_real_papers_figures_are_found() -> None:
    found = figures.pdf_figures((SHARED_PAPERS / "2506.13585.pdf").read_bytes())
    assert [figure.number for figure in found if figure.kind == "figure"] == [1, 2, 3, 4]
    assert found[0].caption.startswith("Figure 1 | Left: Benchmark performance comparison")


def test_the_digest_shows_each_papers_figures_as_thumbnails_linking_the_images(tmp_path: Path) -> None:
    from paper_summarizer import runner
    from paper_summarizer.outputs import digest_markdown
    from paper_summarizer.runs import SummaryResult
    from paper_summarizer.state import Status

    done = SummaryResult("t", "paper.pdf", Status.PASSED, summary_path=tmp_path / "paper-2.summary.md")
    done.figures = [("Figure 3", "paper-2.figures/figure-3.png")]
    shown = digest_markdown([runner.digest_entry(done)])
    assert "[![Figure 3](paper-2.figures/figure-3.png)](paper-2.figures/figure-3.png)" in shown
    assert "[summary](paper-2.summary.md)" in shown
