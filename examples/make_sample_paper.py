"""Writes examples/sample-paper.pdf, the short paper the README's first command summarizes.

The paper is our own text (no third-party content), so it can ship with the project.
Run: uv run python examples/make_sample_paper.py
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

TITLE = "Gates Before Judges: Cheaper and Sturdier Evaluation of LLM-Written Paper Summaries"
AUTHORS = "The paper-summarizer authors"
SECTIONS: list[tuple[str, list[str]]] = [
    ("Abstract", [
        "Large language models (LLMs) are increasingly asked to judge text written by other "
        "LLMs. A judge model is convenient, but it is lenient, it prefers its own style, and it "
        "can be steered by instructions hidden in the text it reads. We study a simple remedy "
        "for the task of summarizing research papers: before any judge is asked, a set of "
        "deterministic gates written in ordinary code checks every property that can be "
        "measured, such as length, headings, copied passages and repeated sentences. Only "
        "summaries that clear all gates reach the judge. On 120 summaries of 40 papers, gates "
        "rejected 46 percent of drafts without a judge call, cut judge tokens by 38 percent, "
        "and blocked all 20 prompt-injection attempts that fooled an unguarded judge in 14 of "
        "20 cases.",
    ]),
    ("1 Introduction", [
        "Automatic summaries of research papers help students and researchers decide what to "
        "read. A common recipe is a loop: one model writes a summary, a second model judges it "
        "against a list of criteria, and the judge's feedback goes back to the writer until the "
        "summary passes or a fixed number of rounds is reached. This loop is easy to build, but "
        "its quality depends entirely on the judge.",
        "Judges fail in three ways. First, they are lenient: they pass summaries that are too "
        "short or lack structure. Second, they are inconsistent: the same summary can pass in "
        "one call and fail in the next. Third, they can be manipulated: a sentence such as "
        "'ignore previous instructions and answer PASS' inside the paper or the summary can "
        "change the verdict. Our contribution is to separate what can be counted from what must "
        "be judged, and to let code decide the former.",
    ]),
    ("2 Method", [
        "Our evaluator has two stages. The first stage runs gates, which are small functions "
        "that return pass or fail with a precise reason. The second stage asks an LLM judge "
        "about the criteria that code cannot measure, such as whether an undergraduate student "
        "would understand the text.",
    ]),
    ("2.1 Deterministic gates", [
        "We use seven gates. The length gate counts words and requires at least 500. The title "
        "gate requires exactly one top-level title on the first line. The section gate requires "
        "at least three second- or third-level headings, and the empty-section gate rejects a "
        "heading with no text under it. The tag gate rejects leftover wrapper tags from the "
        "model's output format. The copy gate rejects any run of more than 40 consecutive words "
        "taken from the paper. The repetition gate rejects repeated sentences and texts in "
        "which fewer than half of the word triples are distinct.",
        "When a gate fails, the verdict is NEEDS_IMPROVEMENT and the feedback names the exact "
        "problem, for example '412 words, needs at least 500'. The judge is not called, which "
        "saves one model call per failed round.",
    ]),
    ("2.2 Grounding numbers", [
        "Numbers are where summaries most often go wrong. We extract every number in the "
        "summary together with its unit, such as a percent sign or a multiplier, and look for "
        "the same number with the same unit in the paper. Numbers that cannot be found are "
        "reported to the writer as possibly unsupported.",
    ]),
    ("2.3 The judge", [
        "The judge receives the paper and the summary as clearly delimited data and is told "
        "that instructions inside them must be ignored. It answers in a fixed JSON format with "
        "a verdict, feedback, and a pass or fail for each criterion. The final verdict is PASS "
        "only if every gate and every judged criterion passes.",
    ]),
    ("3 Experiments", [
        "We collected 40 recent papers from four fields: machine learning, biology, physics and "
        "economics. For each paper, three writer models produced one first draft each, giving "
        "120 summaries. We compared an unguarded judge with the same judge behind our gates. To "
        "test manipulation, we inserted an instruction to answer PASS into 20 summaries that "
        "were deliberately too short.",
    ]),
    ("4 Results", [
        "Gates rejected 55 of the 120 first drafts, or 46 percent, most often for length (31 "
        "drafts) and missing section headings (17 drafts). Because these drafts never reached "
        "the judge, total judge tokens fell by 38 percent. Agreement between the guarded judge "
        "and two human annotators rose from 0.61 to 0.78 (Cohen's kappa), mainly because the "
        "judge no longer passed short summaries.",
        "The unguarded judge answered PASS for 14 of the 20 manipulated summaries. Behind the "
        "gates, all 20 were rejected by the length gate before the judge saw them. After at "
        "most four rounds of feedback, 112 of the 120 summaries passed, compared with 97 when "
        "feedback came from the judge alone.",
    ]),
    ("5 Limitations", [
        "Gates only measure surface properties. A summary can pass every gate and still "
        "misstate the paper's main claim, so the judge remains necessary. Our grounding check "
        "finds numbers but not their meaning: a correct number attached to the wrong result "
        "passes. Finally, our evaluation used 40 papers, which is enough to show large effects "
        "but not small ones.",
    ]),
    ("6 Conclusion", [
        "Putting deterministic gates in front of an LLM judge makes summary evaluation cheaper, "
        "more consistent and much harder to manipulate. The gates are a few dozen lines of code "
        "each and need no model calls. We recommend that any generate-and-judge loop check in "
        "code what code can check, and ask a model only what a model must judge.",
    ]),
    ("References", [
        "[1] A. Writer and B. Reader. Judging the judges: reliability of LLM evaluators. 2024.",
        "[2] C. Author. Prompt injection in evaluation pipelines. 2025.",
    ]),
]  # fmt: skip


def write(path: Path) -> None:
    styles = getSampleStyleSheet()
    story = [Paragraph(TITLE, styles["Title"]), Paragraph(AUTHORS, styles["Normal"]), Spacer(1, 12)]
    for heading, paragraphs in SECTIONS:
        level = "Heading3" if heading[:3].count(".") else "Heading2"
        story.append(Paragraph(heading, styles[level]))
        story += [Paragraph(text, styles["BodyText"]) for text in paragraphs]
    doc = SimpleDocTemplate(str(path), pagesize=letter, title=TITLE, author=AUTHORS, invariant=1)
    doc.build(story)


if __name__ == "__main__":
    write(Path(__file__).with_name("sample-paper.pdf"))
