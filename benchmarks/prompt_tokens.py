"""Input tokens over 4 rounds, billed the way providers with prefix caching bill them: the
longest prefix of a request that is byte-identical to an earlier request of the same run costs
0.1, the rest 1.0. This project (instructions and paper first and identical in every call,
what changes last) against the original notebook's recipe (generate: instructions, then every
earlier attempt and the last feedback, then the paper; evaluate: instructions, paper, attempt),
with the same paper and the same scripted replies. Tokens are estimated as bytes / 4.

Targets: at most 0.5x the notebook's cache-aware input; >= 90% of every generate prompt after
the first served from a cached prefix.

Run: uv run python benchmarks/prompt_tokens.py [PAPER]   (default: the MiniMax-M1 report in
../shared/papers, else the bundled sample paper)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper_summarizer import Context, summarize
from paper_summarizer.documents import convert, sources
from paper_summarizer.prompts import template
from tests.factories import summary
from tests.scripted_server import ScriptedServer, role_of, verdict_json, writer_and_judge

ROUNDS = 4
SUMMARIES = [summary(700, sections=5, seed=s) for s in range(1, ROUNDS + 1)]
FEEDBACK = [f"Round {r}: explain the method for a student and add the limitations." for r in range(1, ROUNDS)]
VERDICTS = [verdict_json("NEEDS_IMPROVEMENT", f) for f in FEEDBACK] + [verdict_json("PASS")]


def billed(requests: list[str]) -> tuple[float, list[float]]:
    """(cache-aware tokens, cached share of each request)."""
    total, shares = 0.0, []
    for i, text in enumerate(requests):
        cached = max((_common_prefix(text, earlier) for earlier in requests[:i]), default=0)
        total += (cached * 0.1 + (len(text) - cached) * 1.0) / 4
        shares.append(cached / len(text))
    return total, shares


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on prefix equality: fast for long prompts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def serialize(body: dict[str, Any]) -> str:
    return "".join(f"<{m['role']}>{m['content']}" for m in body["messages"])


def ours(paper: Path) -> tuple[list[str], list[str]]:
    server = ScriptedServer(writer_and_judge(list(SUMMARIES), list(VERDICTS))).start()
    with tempfile.TemporaryDirectory() as tmp:
        # A large context window, like DeepSeek's or OpenAI's: the paper is sent whole.
        ctx = Context(
            model="openai:scripted",
            base_url=server.url,
            min_words=100,
            max_iterations=ROUNDS,
            context_window=200_000,
        )
        result = summarize(str(paper), ctx, checkpoint_db=f"{tmp}/c.sqlite", output_dir=tmp)
    server.stop()
    assert result.rounds == ROUNDS, result.rounds
    return [serialize(r) for r in server.requests], [role_of(r) for r in server.requests]


def notebook(paper_text: str) -> tuple[list[str], list[str]]:
    """The notebook's recipe, rebuilt: one user message per call."""
    instructions_gen = template("generate")
    instructions_eval = template("evaluate")
    requests, roles = [], []
    for r in range(ROUNDS):
        previous = ""
        if r:
            attempts = "\n\n".join(f"Attempt {i + 1}:\n{SUMMARIES[i]}" for i in range(r))
            previous = f"\n\nPrevious attempts:\n{attempts}\n\nFeedback on the last attempt:\n{FEEDBACK[r - 1]}"
        requests.append(f"<user>{instructions_gen}{previous}\n\nPaper:\n{paper_text}")
        roles.append("writer")
        requests.append(f"<user>{instructions_eval}\n\nPaper:\n{paper_text}\n\nSummary:\n{SUMMARIES[r]}")
        roles.append("reviewer")
    return requests, roles


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "papers" / "2506.13585.pdf"
    paper = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else default if default.exists() else Path("examples/sample-paper.pdf")
    )
    fetched = sources.fetch(sources.parse(str(paper)), access=sources.Access.for_user(), max_bytes=10**8)
    paper_text, _, _ = convert.to_markdown(fetched, str(paper))
    print(f"paper: {paper.name} ({len(paper_text.split()):,} words); {ROUNDS} rounds, scripted replies")
    results = {}
    for name, (requests, roles) in {"this project": ours(paper), "notebook": notebook(paper_text)}.items():
        total, shares = billed(requests)
        raw = sum(len(r) for r in requests) / 4
        later = [f"{s:.0%}" for s, role in list(zip(shares, roles, strict=True))[2:] if role == "writer"]
        results[name] = total
        print(
            f"{name:<13} requests {len(requests)}  raw input {raw:>10,.0f} tok  cache-aware {total:>10,.0f} tok  "
            f"cached share of generate prompts after the first: {', '.join(later)}"
        )
    print(f"ratio (this project / notebook, cache-aware): {results['this project'] / results['notebook']:.3f}x")


if __name__ == "__main__":
    main()
