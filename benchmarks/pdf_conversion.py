"""Our PDFium converter against markitdown's built-in PDF path (pdfminer), side by side, one run
each, on a folder of PDFs. Targets: >= 10x faster in total, < 0.5 glued words per 1,000 words,
a '##' heading per numbered section, zero crashes.

Run: uv run python benchmarks/pdf_conversion.py [FOLDER]   (default: ../shared/papers)
"""

from __future__ import annotations

import io
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from markitdown import MarkItDown, StreamInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paper_summarizer.documents.pdf import convert_pdf


def builtin(data: bytes) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converter = MarkItDown(enable_plugins=False)
        return converter.convert_stream(io.BytesIO(data), stream_info=StreamInfo(extension=".pdf")).markdown


def ours(data: bytes) -> str:
    return convert_pdf(data)[0]


def measure(convert: Callable[[bytes], str], data: bytes) -> dict[str, float]:
    start = time.perf_counter()
    try:
        text = convert(data)
    except Exception as exc:  # a crash is a result here, not the end of the benchmark
        return {"seconds": time.perf_counter() - start, "crashed": 1, "error": hash(str(exc))}
    seconds = time.perf_counter() - start
    words = text.split()
    glued = [w for w in words if len(re.sub(r"[^A-Za-z]", "", w)) >= 25 and not w.startswith("http")]
    return {
        "seconds": seconds,
        "words": len(words),
        "headings": len(re.findall(r"^#{1,6} ", text, re.MULTILINE)),
        "numbered": len(re.findall(r"^#{2,4} (?:\d+|[A-H])(?:\.\d+)*\.? ", text, re.MULTILINE)),
        "glued_per_1k": 1000 * len(glued) / max(1, len(words)),
        "cid": text.count("(cid:"),
        "pipe_lines": len(re.findall(r"^\s*\|", text, re.MULTILINE)),
        "crashed": 0,
    }


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "papers")
    files = sorted(folder.glob("*.pdf"))
    if not files:
        sys.exit(f"no PDFs in {folder}")
    columns = ["seconds", "words", "headings", "numbered", "glued_per_1k", "cid", "pipe_lines", "crashed"]
    print(f"{'file':<22} {'converter':<10} " + " ".join(f"{c:>12}" for c in columns))
    totals: dict[str, dict[str, float]] = {"markitdown": {}, "pdfium": {}}
    for path in files:
        data = path.read_bytes()
        for name, convert in (("markitdown", builtin), ("pdfium", ours)):
            row = measure(convert, data)
            for c in columns:
                totals[name][c] = totals[name].get(c, 0) + row.get(c, 0)
            print(f"{path.name:<22} {name:<10} " + " ".join(f"{row.get(c, 0):>12.2f}" for c in columns))
    for name, row in totals.items():
        row["glued_per_1k"] = row["glued_per_1k"] / len(files)
        print(f"{'TOTAL (glued: mean)':<22} {name:<10} " + " ".join(f"{row.get(c, 0):>12.2f}" for c in columns))
    speedup = totals["markitdown"]["seconds"] / max(totals["pdfium"]["seconds"], 1e-9)
    print(f"speed-up: {speedup:.1f}x")


if __name__ == "__main__":
    main()
