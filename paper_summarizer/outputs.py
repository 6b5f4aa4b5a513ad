"""Writing a finished run: `<name>.summary.md` (the best attempt, with who wrote and judged it)
and `<name>.report.json` (every round's verdict and tokens). Files appear whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary_markdown(summary: str, footer_lines: list[str]) -> str:
    return summary.rstrip() + "\n\n---\n\n" + "\n".join(f"*{line}*  " for line in footer_lines) + "\n"


def write(output_dir: Path, name: str, markdown: str, report: dict[str, Any]) -> tuple[Path, Path]:
    summary_path = output_dir / f"{name}.summary.md"
    report_path = output_dir / f"{name}.report.json"
    write_atomic(report_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomic(summary_path, markdown)
    return summary_path, report_path
