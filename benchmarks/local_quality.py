"""What the embedded SmolLM2-135M writes, section by section, with the README's defaults: on the
bundled sample paper and 5 real PDFs from ../shared/papers/real. Per paper: rounds, whether the
best attempt passes every code gate, its words, the numbers it states that the passages its
sentences are about do not, and the time taken.

Targets: the best attempt passes every code gate on at least 5 of the 6; no number without its
evidence. Met for the gates of 2026-11 (structure, length, repetition, copies); since the gates
ask for the abstract's results, the paper's own names and no near-copies (2026-12), 0 of 6 pass.

Run: uv run python benchmarks/local_quality.py   (about 10 minutes on 2 cores)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper_summarizer import Context, quality, summarize
from paper_summarizer.documents import library
from paper_summarizer.documents.sources import Access

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "papers" / "real"
PAPERS = [REPO / "examples" / "sample-paper.pdf"] + [
    REAL / name
    for name in (
        "Wang-paperAVE2008.pdf",
        "test_Grobid_2_05982691.pdf",
        "0807.3577.pdf",
        "submission_355.pdf",
        "1001._0908.0054.pdf",
    )
]


def main() -> None:
    missing = [p for p in PAPERS if not p.is_file()]
    if missing:
        sys.exit(f"missing: {', '.join(map(str, missing))}")
    passed_all = 0
    print("| paper | rounds | every code gate | failing gates | words | numbers without evidence | seconds |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for path in PAPERS:
            start = time.perf_counter()
            out = summarize(str(path), Context(model="local"), checkpoint_db=f"{tmp}/c.sqlite", output_dir=tmp)
            seconds = time.perf_counter() - start
            assert out.result is not None
            paper = library.markdown(str(path), access=Access.for_user(), max_bytes=10**8)
            summary = out.result["summary"]
            gates, numbers = quality.assess(
                summary, paper, min_words=500, min_sections=3, paper_title=out.result["title"]
            )
            failing = [g["name"] for g in gates if not g["passed"]]
            invented = sorted({n["number"] for n in numbers if not n["found"]})
            passed_all += not failing
            print(
                f"| {path.name} | {out.rounds} | {'yes' if not failing else 'no'} | {', '.join(failing) or '-'} "
                f"| {len(summary.split())} | {'; '.join(invented) or 'none'} | {seconds:.0f} |"
            )
    print(f"\nbest attempt passes every code gate on {passed_all} of {len(PAPERS)}")


if __name__ == "__main__":
    main()
