"""Writing a finished run's files: `<name>.summary.md` (the result's markdown) and
`<name>.report.json`. Files appear whole or not at all, with the permissions the umask gives any
new file."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any

from paper_summarizer.state import Result

# Read once, at import (single-threaded), since reading the umask means setting it.
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; a summary is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_figures(output_dir: Path, name: str, figures: list[dict[str, Any]]) -> None:
    """Each figure a summary shows, as <name>.figures/<file>.png (written before the summary that
    links them, so a summary never points at a missing image)."""
    for figure in figures:
        write_atomic(output_dir / f"{name}.figures" / Path(figure["file"]).name, base64.b64decode(figure["png_base64"]))


def write(
    output_dir: Path, name: str, markdown: str, report_json: str, suffix: str = ".summary.md"
) -> tuple[Path, Path]:
    """<name>.summary.md (a reading list's overview: synthesis.md) and <name>.report.json."""
    summary_path = output_dir / f"{name}{suffix}"
    report_path = output_dir / f"{name}.report.json"
    write_atomic(report_path, report_json.rstrip("\n") + "\n")
    write_atomic(summary_path, markdown.rstrip("\n") + "\n")
    return summary_path, report_path


def digest_entry(
    source: str,
    result: Result | None = None,
    *,
    status: str = "",
    rounds: int = 0,
    link: str = "",
    error: str = "",
    figures: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A paper's entry in the digest: from its result (a run that has not finished has none yet,
    only a status), or the one-line error of a paper that failed. The CLI's batches and the
    reading-list graph both build their digests from these."""
    if error:
        return {"source": source, "error": error}
    return {
        "source": source,
        "title": result["title"] if result else "",
        "tldr": result["tldr"] if result else "",
        "status": f"{status} ({rounds} rounds)",
        "link": link,
        "figures": figures or [],  # (label, file): thumbnails of the figures its summary shows
    }


def digest_markdown(entries: list[dict[str, Any]]) -> str:
    """One entry per paper, in the order given: its title, TL;DR, status and a link to its
    summary, or the one-line error of a paper that failed."""
    lines = ["# Reading list digest", ""]
    for n, entry in enumerate(entries, 1):
        lines.append(f"## {n}. {entry.get('title') or entry['source']}")
        lines.append("")
        if entry.get("error"):
            lines += [f"Source: {entry['source']}  ", f"Failed: {entry['error']}", ""]
            continue
        if entry.get("tldr"):
            lines += [f"**TL;DR:** {entry['tldr']}", ""]
        link = f" · [summary]({entry['link']})" if entry.get("link") else ""
        lines += [f"Source: {entry['source']}  ", f"Status: {entry['status']}{link}", ""]
        if entry.get("figures"):
            lines += [" ".join(f"[![{label}]({path})]({path})" for label, path in entry["figures"]), ""]
    return "\n".join(lines).rstrip() + "\n"


class Names:
    """Output names claimed by the runs of one batch: two papers called paper.pdf in different
    folders get paper.summary.md and paper-2.summary.md, not one file written twice."""

    def __init__(self) -> None:
        self._taken: dict[str, str] = {}  # thread -> name; claimed in one event loop, so no lock

    def claim(self, thread_id: str, name: str) -> str:
        if thread_id not in self._taken:
            used = set(self._taken.values())
            unique, n = name, 1
            while unique in used:
                n += 1
                unique = f"{name}-{n}"
            self._taken[thread_id] = unique
        return self._taken[thread_id]
