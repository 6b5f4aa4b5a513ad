from __future__ import annotations

from paper_summarizer import quality
from tests.factories import paper_markdown, prose, summary

PAPER = paper_markdown()


def failed(text: str, **kw: int) -> dict[str, str]:
    checks = quality.gates(text, PAPER, min_words=kw.get("min_words", 100), min_sections=kw.get("min_sections", 3))
    return {c["name"]: c["detail"] for c in checks if not c["passed"]}


def test_a_good_summary_passes_every_gate() -> None:
    assert failed(summary(150)) == {}


def test_word_count_names_the_numbers() -> None:
    detail = failed(summary(60), min_words=500)["word_count"]
    assert detail.startswith(str(len(quality.words(summary(60)))) + " words") or "needs at least 500" in detail
    assert "needs at least 500" in detail


def test_title_must_be_first_and_single() -> None:
    assert "title" in failed("Intro line\n\n" + summary(150))
    assert "2 '# ' titles" in failed(summary(150) + "\n# Another title\n\nmore text here")["title"]


def test_sections_counted() -> None:
    assert failed(summary(150, sections=1))["sections"] == "2 section headings, needs at least 3"
    assert "no section headings" in failed("# T\n\n" + prose(150))["sections"]


def test_a_subsection_under_a_section_is_required() -> None:
    flat = "# T\n\n" + "\n\n".join(f"## S{i}\n\n{prose(60, i)}" for i in range(3))
    assert "no '###' subsection" in failed(flat)["subsections"]
    orphan = "# T\n\n### Alone\n\n" + prose(60, 1) + "\n\n" + flat[4:]
    assert "subsections" in failed(orphan)  # a ### before any ## is no subsection
    assert "subsections" not in failed(summary(150))


def test_empty_sections_found_but_parent_with_subsections_is_not_empty() -> None:
    text = summary(150) + "\n## Empty\n\n## Parent\n\n### Child\n\nSome real text in the child.\n"
    assert failed(text)["empty_sections"] == "empty sections: ## Empty"


def test_wrapper_tags() -> None:
    assert "<RESPONSE>" in failed("<RESPONSE>\n" + summary(150))["wrapper_tags"]
    assert "</think>" in failed(summary(150) + "</think>")["wrapper_tags"]


def test_verbatim_run_over_40_words_is_caught_and_40_is_allowed() -> None:
    paper_words = PAPER.split("## 2 Method")[1].split()[:80]
    copied_45 = " ".join(paper_words[:45])
    copied_40 = " ".join(paper_words[:40])
    assert "copies 4" in failed(summary(150) + "\n" + copied_45)["verbatim"]
    assert "verbatim" not in failed(summary(150) + "\n" + copied_40)


def test_repetition_of_a_sentence_and_low_ngram_variety() -> None:
    assert (
        "repeats"
        in failed(summary(150) + "\nThe same line is said again here.\nThe same line is said again here.\n")[
            "repetition"
        ]
    )
    looping = "# T\n\n" + "\n\n".join(f"## S{i}\n\n" + "the model is good and the model is good " * 8 for i in range(3))
    assert "repetition" in failed(looping)


def test_grounding_flags_absent_number_and_accepts_present_with_unit() -> None:
    checks = {
        c["number"]: c["found"]
        for c in quality.grounding("Gates rejected 46% of drafts. Costs fell 77% overall. It is 4× cheaper.", PAPER)
    }
    assert checks["46%"] is True
    assert checks["77%"] is False
    assert checks["4×"] is True


def test_grounding_needs_the_same_unit_and_nearby_keyword() -> None:
    checks = {
        c["context"]: c["found"]
        for c in quality.grounding(
            "We measured 120 summaries. Speed rose by 120% of it. We used 40 papers and 40 cats.", PAPER
        )
    }
    assert checks["120 summaries"] is True
    assert checks["120%"] is False  # 120 is in the paper, but not as a percentage
    assert checks["40 papers"] is True
    assert checks["40 cats"] is False
