"""Checkpoint database growth per round, with SQLite and PostgreSQL, for a small and a 500 KB
paper. The paper's text is stored once, outside the per-step state, so growth per round should
not depend on the paper's size (target: under 50 KB per round for a 500 KB paper).

Run: uv run python benchmarks/checkpoint_growth.py   (PostgreSQL is skipped if it cannot start)
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper_summarizer import Context, summarize
from tests.factories import paper_markdown, prose, summary
from tests.scripted_server import ScriptedServer, verdict_json, writer_and_judge

ROUNDS = 5
# About 6 KB each, realistic summaries; each round's is new, as a revision is, so each round's
# texts and claim record are new rows in the store too.
SUMMARIES = [summary(900, sections=5, seed=n) for n in range(1, 1 + ROUNDS * (ROUNDS + 1))]


def paper_of_size(directory: Path, kb: int) -> Path:
    text = paper_markdown()
    filler = prose(200, seed=11)
    i = 0
    while len(text) < kb * 1000:
        text += f"\n\n## Appendix {i}\n\n{filler} {i}"
        i += 1
    path = directory / f"paper-{kb}kb.md"
    path.write_text(text)
    return path


def run(paper: Path, rounds: int, checkpoint_db: str, server: ScriptedServer, out: Path) -> None:
    ctx = Context(model="openai:scripted", base_url=server.url, max_iterations=rounds, min_words=100)
    summarize(str(paper), ctx, checkpoint_db=checkpoint_db, output_dir=out)


def growth(
    paper: Path, make_db: Callable[[str], tuple[str, Callable[[], int]]], server: ScriptedServer, out: Path
) -> list[int]:
    sizes = []
    for rounds in range(1, ROUNDS + 1):
        location, size = make_db(f"r{rounds}")
        run(paper, rounds, location, server, out)
        sizes.append(size())
    return sizes


def sqlite_db(directory: Path) -> Callable[[str], tuple[str, Callable[[], int]]]:
    def make(name: str) -> tuple[str, Callable[[], int]]:
        path = directory / f"{name}-{os.urandom(4).hex()}.sqlite"
        return str(path), lambda: path.stat().st_size

    return make


def postgres_db(url: str, only_checkpoints: bool = False) -> Callable[[str], tuple[str, Callable[[], int]]]:
    import psycopg

    def make(name: str) -> tuple[str, Callable[[], int]]:
        db = f"bench_{name}_{os.urandom(4).hex()}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {db}")
        db_url = url.rsplit("/", 1)[0] + "/" + db

        def size() -> int:
            # Bytes of stored rows (after TOAST compression): relation sizes move in 8 KB pages,
            # too coarse to see one round.
            with psycopg.connect(db_url) as conn:
                tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
                if only_checkpoints:  # the graph's state, without the store's texts and records
                    tables = [t for t in tables if t.startswith("checkpoint")]
                total = 0
                for table in tables:
                    row = conn.execute(f'SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM "{table}" t').fetchone()
                    total += int(row[0]) if row else 0
                return total

        return db_url, size

    return make


def report(label: str, sizes: list[int]) -> None:
    deltas = [b - a for a, b in itertools.pairwise(sizes)]
    print(
        f"{label:<28} "
        + " ".join(f"{s / 1000:>8.1f}" for s in sizes)
        + "   per round: "
        + ", ".join(f"{d / 1000:.1f}" for d in deltas)
        + f"   mean {sum(deltas) / len(deltas) / 1000:.1f} KB"
    )


def main() -> None:
    script = writer_and_judge(list(SUMMARIES), [verdict_json("NEEDS_IMPROVEMENT", "Keep going.")])
    server = ScriptedServer(script).start()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        papers = {kb: paper_of_size(directory, kb) for kb in (5, 500)}
        print(f"database KB after 1..{ROUNDS} rounds (summary {len(SUMMARIES[0]) / 1000:.1f} KB per round)")
        print("sqlite: file size; postgres: bytes of stored rows")
        for kb, paper in papers.items():
            report(f"sqlite, {kb} KB paper", growth(paper, sqlite_db(directory), server, directory / "out"))
        try:
            from tests.postgres import PostgresUnavailable, running_postgres

            with running_postgres() as url:
                for kb, paper in papers.items():
                    report(f"postgres, {kb} KB paper", growth(paper, postgres_db(url), server, directory / "out"))
                for kb, paper in papers.items():
                    sizes = growth(paper, postgres_db(url, only_checkpoints=True), server, directory / "out")
                    report(f"  checkpoints only, {kb} KB", sizes)
        except PostgresUnavailable as exc:
            print(f"postgres: skipped ({exc})")
    server.stop()


if __name__ == "__main__":
    main()
