"""Figures found in real papers: per PDF, the captions on its pages, the figures located and
cropped (the rest are left out: not locatable with confidence), and the seconds it took; then an
arXiv HTML page (tests/fixtures/arxiv-figures.html, its images served from 127.0.0.1). Every crop
is written to a folder to be looked at one by one, and all of them to one contact sheet, each
labelled with its paper and number.

Run: uv run python benchmarks/figures.py [--crops /tmp/figure-crops] [--sheet docs/figures-contact-sheet.png]
"""

from __future__ import annotations

import argparse
import http.server
import io
import re
import sys
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paper_summarizer.documents import figures
from paper_summarizer.documents.sources import Access

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "papers"
HTML_FIXTURE = REPO / "tests" / "fixtures" / "arxiv-figures.html"
SAMPLE = REPO / "examples" / "sample-paper.pdf"
THUMB = (230, 170)  # a crop's cell on the contact sheet, its label below it
COLUMNS = 6
MAX_SHEET_BYTES = 1_000_000


def papers() -> list[Path]:
    found = [SHARED / "2506.13585.pdf", *sorted((SHARED / "real").glob("*.pdf"))]
    if figures.pdf_captions(SAMPLE.read_bytes()):  # only if it has figures (today it has none)
        found.append(SAMPLE)
    return [path for path in found if path.exists()]


def pdf_rows(crops: Path) -> tuple[list[tuple[str, int, int, float]], list[tuple[str, figures.Figure]]]:
    rows, shown = [], []
    for path in papers():
        data = path.read_bytes()
        captions = {(kind, number) for kind, number, _ in figures.pdf_captions(data)}
        start = time.perf_counter()
        found = figures.pdf_figures(data)
        seconds = time.perf_counter() - start
        rows.append((path.name, len(captions), len(found), seconds))
        for figure in found:
            (crops / f"{path.stem}-{figure.kind}-{figure.number}.png").write_bytes(figure.png)
            shown.append((path.stem, figure))
    return rows, shown


def _images() -> dict[str, bytes]:
    """Plots for the fixture's <img> names: a few coloured bars each."""
    made = {}
    for n in range(1, 5):
        image = Image.new("RGB", (480, 300), "white")
        draw = ImageDraw.Draw(image)
        for i in range(5):
            height = 40 + (n * 37 + i * 53) % 200
            draw.rectangle((40 + 85 * i, 270 - height, 100 + 85 * i, 270), fill=(40 * n, 90, 200 - 30 * i))
        draw.line((30, 270, 460, 270), fill="black", width=2)
        draw.text((200, 280), f"image x{n}", fill="black")
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        made[f"/html/2401.01234v2/x{n}.png"] = buffer.getvalue()
    return made


def html_row() -> tuple[tuple[str, int, int, float], list[tuple[str, figures.Figure]]]:
    page = HTML_FIXTURE.read_bytes()
    served = {"/html/2401.01234v2": page, **_images()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = served.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if self.path.endswith("v2") else "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/html/2401.01234v2"
        # Figures' and tables' own captions (a panel's "(a)" is not one).
        captions = len(re.findall(rb'<span class="ltx_tag[^"]*">(?:<span[^>]*>)?(?:Figure|Table) \d+', page))
        start = time.perf_counter()
        listed = figures.html_figures(page, url)
        downloaded = figures.download(listed, access=Access.for_user(), max_bytes=10_000_000)
        found = figures.image_figures(downloaded)
        seconds = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    return (HTML_FIXTURE.name, captions, len(found), seconds), [("arxiv-html", figure) for figure in found]


def contact_sheet(shown: list[tuple[str, figures.Figure]], path: Path) -> None:
    cell_w, cell_h = THUMB[0] + 10, THUMB[1] + 26
    rows = (len(shown) + COLUMNS - 1) // COLUMNS
    sheet = Image.new("RGB", (COLUMNS * cell_w, max(1, rows) * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=13)
    for i, (paper, figure) in enumerate(shown):
        x, y = (i % COLUMNS) * cell_w + 5, (i // COLUMNS) * cell_h + 3
        with Image.open(io.BytesIO(figure.png)) as crop:
            thumb = crop.convert("RGB")
        thumb.thumbnail(THUMB)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline=(180, 180, 180))
        draw.text((x, y + THUMB[1] + 4), f"{paper[:22]} {figure.label}", fill=(0, 0, 0), font=font)
    for _ in range(6):  # a 256-colour PNG; smaller until it is under 1 MB
        buffer = io.BytesIO()
        sheet.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_SHEET_BYTES:
            break
        sheet = sheet.resize((sheet.width * 4 // 5, sheet.height * 4 // 5), Image.Resampling.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=Path, default=Path("/tmp/figure-crops"))
    parser.add_argument("--sheet", type=Path, default=REPO / "docs" / "figures-contact-sheet.png")
    args = parser.parse_args()
    args.crops.mkdir(parents=True, exist_ok=True)
    rows, shown = pdf_rows(args.crops)
    html, from_html = html_row()
    for paper, figure in from_html:
        (args.crops / f"{paper}-{figure.kind}-{figure.number}.png").write_bytes(figure.png)
    rows.append(html)
    shown += from_html
    print("| paper | captions | figures extracted | s |")
    print("|---|---|---|---|")
    for name, captions, found, seconds in rows:
        print(f"| {name} | {captions} | {found} | {seconds:.2f} |")
    total_captions, total_found = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(
        f"\n{len(rows)} papers: {total_captions} captions, {total_found} figures extracted "
        f"({total_found / max(1, total_captions):.0%}), {sum(r[3] for r in rows):.2f} s"
    )
    contact_sheet(shown, args.sheet)
    print(f"crops in {args.crops}; contact sheet {args.sheet} ({args.sheet.stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
