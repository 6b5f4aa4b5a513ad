"""How far the code gates can be trusted when the judge cannot: every check a summary must pass
before the judge, with a scripted judge that passes everything.

- Good summaries: the hand-written ones in tests/fixtures/summaries/good (12 real papers and the
  sample paper), each against its own paper: how many pass (target: all; a failure is a false alarm).
- Defective summaries: each kind in tests/defects.py made from each good summary: how many are held
  back (target: all, except the overclaim, which needs a claim-level judge).
- Swaps: each number of each good summary replaced by another number the same paper states with
  the same unit: the share the numbers gate catches (target: at least 90%).

Run: uv run python benchmarks/trust.py
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paper_summarizer import evidence, quality
from paper_summarizer.documents.convert import to_markdown
from paper_summarizer.documents.sources import Fetched
from tests.defects import DEFECTS, GOOD, NEEDS_A_CLAIM_JUDGE

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "papers"


def paper_of(stem: str) -> tuple[str, str]:
    pdf = next(iter([*SHARED.rglob(f"{stem}.pdf"), *(REPO / "examples").glob(f"{stem}.pdf")]))
    markdown, title, *_ = to_markdown(Fetched(pdf.read_bytes(), ".pdf", "", stem), pdf.name)
    return markdown, title


def failing(summary: str, paper: str, title: str) -> list[str]:
    checks = quality.gates(summary, paper, min_words=500, min_sections=3, paper_title=title)
    return [c["name"] for c in checks if not c["passed"]]


def main() -> None:
    started = time.perf_counter()
    goods = sorted(GOOD.glob("*.md"))
    papers = {g.stem: paper_of(g.stem) for g in goods}
    texts = {g.stem: g.read_text() for g in goods}
    print("| good summary | words | passes | fails |\n|---|---|---|---|")
    passed = 0
    for stem, text in texts.items():
        fails = failing(text, *papers[stem])
        passed += not fails
        print(f"| {stem} | {len(text.split())} | {'yes' if not fails else 'no'} | {', '.join(fails)} |")
    print(f"\n{passed} of {len(texts)} good summaries pass (false alarms: {len(texts) - passed})\n")

    print("| defect | held back | by |\n|---|---|---|")
    held_total = made_total = 0
    stems = list(texts)
    for name, make in DEFECTS.items():
        held, made, by = 0, 0, Counter[str]()
        for i, stem in enumerate(stems):
            other = texts[stems[(i + 1) % len(stems)]]
            bad = make(texts[stem], papers[stem][0], other)
            if bad == texts[stem]:
                continue  # nothing to change in this summary (e.g. it states no number)
            fails = failing(bad, *papers[stem])
            made += 1
            held += bool(fails)
            by.update(fails)
        if name not in NEEDS_A_CLAIM_JUDGE:
            held_total, made_total = held_total + held, made_total + made
        gates = ", ".join(f"{gate} {n}" for gate, n in by.most_common(3))
        print(f"| {name} | {held} of {made} | {gates} |")
    print(f"\n{held_total} of {made_total} defective summaries held back (the overclaim kind left out)\n")

    rng = random.Random(11)
    caught = total = 0
    for stem, text in texts.items():
        paper = papers[stem][0]
        for sentence in evidence.sentences(text):
            for number in evidence.numbers(sentence, claims=True):
                pool = sorted(
                    {n.shown for n in evidence.numbers(paper) if n.unit == number.unit and n.value != number.value}
                )
                if not pool:
                    continue
                swapped = text.replace(sentence, sentence.replace(number.shown, rng.choice(pool), 1), 1)
                if swapped == text:
                    continue  # the number is spelled out ("Two", "456 billion"): nothing to swap
                total += 1
                caught += any(not n["found"] for n in quality.grounding(swapped, paper))
    print(
        f"swaps: {caught} of {total} caught ({caught / max(1, total):.0%}); unflagged {1 - caught / max(1, total):.0%}"
    )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
