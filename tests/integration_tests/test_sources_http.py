"""Fetching over real HTTP from servers on 127.0.0.1: arXiv resolution (HTML first, PDF
fallback), plain URLs, and the limits: HTTP errors, timeouts, oversized downloads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.memory import InMemoryStore

from paper_summarizer.documents import figures, library, ocr, sources
from paper_summarizer.documents.sources import Access
from paper_summarizer.errors import NetworkError, SourceError
from tests.factories import paper_markdown
from tests.graph_runs import awaited
from tests.pdf_factory import make_paper_pdf
from tests.scripted_server import QuietServer

# A served graph that may fetch from this machine's test servers (127.0.0.1) but not read files.
SERVED_HERE = Access(local_files=False, private_urls=True, model_urls=False)

ARXIV_HTML = """<!DOCTYPE html><html><head><title>Gates Before Judges</title></head><body>
<h1>Gates Before Judges</h1><h2>Abstract</h2><p>{body}</p><h2>1 Introduction</h2><p>{body}</p></body></html>"""


@pytest.fixture
def arxiv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """A fake arxiv.org: fill `routes` with path -> body; unknown paths are 404."""
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            if self.path.startswith("/slow"):
                time.sleep(2)
            kind = "text/html" if body.lstrip().startswith(b"<") else "application/pdf"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("PAPER_SUMMARIZER_ARXIV_BASE", base)
    routes["__base__"] = base.encode()
    yield routes
    httpd.shutdown()
    httpd.server_close()


def load(source: str, max_bytes: int = 10_000_000) -> tuple[library.PaperRef, str]:
    store = InMemoryStore()
    ref, _ = awaited(library.load(source, store, access=SERVED_HERE, max_bytes=max_bytes))
    return ref, awaited(library.text(store, ref))  # as stored, not as returned


def test_arxiv_prefers_html(arxiv: dict[str, bytes]) -> None:
    arxiv["/html/2401.01234"] = ARXIV_HTML.format(body="Gates cut judge calls. " * 40).encode()
    ref, text = load("arXiv:2401.01234")
    assert ref["arxiv_id"] == "2401.01234" and ref["source_url"].endswith("/html/2401.01234")
    assert ref["title"] == "Gates Before Judges"
    assert "## 1 Introduction" in text


def test_arxiv_falls_back_to_pdf_for_every_url_form(arxiv: dict[str, bytes], tmp_path: Path) -> None:
    arxiv["/pdf/2401.01234v2"] = make_paper_pdf(tmp_path / "p.pdf").read_bytes()
    for source in [
        "2401.01234v2",
        "https://arxiv.org/abs/2401.01234v2",
        "https://arxiv.org/pdf/2401.01234v2.pdf",
        "https://arxiv.org/html/2401.01234v2",
    ]:
        ref, text = load(source)
        assert ref["source_url"].endswith("/pdf/2401.01234v2"), source
        assert ref["name"] == "2401.01234v2" and "## 2 Method" in text


def test_unknown_arxiv_paper_is_an_http_error(arxiv: dict[str, bytes]) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        load("2401.99999")


def test_plain_url_limits(arxiv: dict[str, bytes]) -> None:
    base = arxiv["__base__"].decode()
    arxiv["/paper.html"] = ARXIV_HTML.format(body=paper_markdown()).encode()
    ref, _ = load(f"{base}/paper.html")
    assert ref["title"] == "Gates Before Judges" and ref["name"] == "paper"
    with pytest.raises(SourceError, match=r"larger than the 0\.001 MB download limit"):
        load(f"{base}/paper.html", max_bytes=1000)
    with pytest.raises(SourceError, match="HTTP 404"):
        load(f"{base}/missing.pdf")
    arxiv["/slow.pdf"] = b"%PDF-1.4"
    with pytest.raises(NetworkError, match="timed out"):
        sources.fetch(sources.parse(f"{base}/slow.pdf"), access=SERVED_HERE, max_bytes=1000, timeout=0.5)


def test_unreachable_host_is_a_clear_error() -> None:
    with pytest.raises(NetworkError, match="cannot fetch"):
        load("http://127.0.0.1:9/paper.pdf")


@pytest.mark.skipif(not ocr.available(), reason="the ocr extra is not installed (uv sync --extra ocr)")
def test_a_scan_with_nothing_to_read_is_a_clear_error(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)  # an image-like page with no text layer
    pdf.save()
    store = InMemoryStore()
    with pytest.raises(SourceError, match="has almost no text to summarize"):
        awaited(library.load(str(path), store, access=Access.for_user(), max_bytes=10_000_000))


LOCKED = Access(local_files=False, private_urls=False, model_urls=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/paper.md",
        "http://2130706433:{port}/paper.md",  # 127.0.0.1 as one decimal number
        "http://localhost:{port}/paper.md",  # a DNS name that resolves to loopback
        "http://[::1]:{port}/paper.md",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata: refused before any connection
        "http://10.0.0.1/paper.pdf",
    ],
)
def test_a_locked_deployment_refuses_private_and_local_hosts(file_server: tuple[Path, str], url: str) -> None:
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    with pytest.raises(SourceError, match=r"refusing to fetch .* PAPER_SUMMARIZER_ALLOW_PRIVATE_URLS=1$"):
        sources.fetch(sources.parse(url.format(port=base.rsplit(":", 1)[1])), access=LOCKED, max_bytes=10**6)


PUBLIC = "93.184.216.34"  # a global address; no test ever connects to it


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, list[str]], list[tuple[str, int]]]:
    """Names ending in .test resolve to the answers queued for them (the last one repeats), and
    a connection to PUBLIC reaches this machine's test server instead: a public host, with no
    internet. Returns (the answers, every address a connection was opened to)."""
    import socket

    answers: dict[str, list[str]] = {}
    connections: list[tuple[str, int]] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".test"):
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        connections.append(address)
        host, port = address
        return real_connect(("127.0.0.1" if host == PUBLIC else host, port), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return answers, connections


def test_every_redirect_hop_is_checked(
    file_server: tuple[Path, str], fake_dns: tuple[dict[str, list[str]], list[tuple[str, int]]]
) -> None:
    """The first hop is a public host; the redirect it answers points at 127.0.0.1, and is
    refused before it is fetched."""
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    answers, connections = fake_dns
    answers["papers.test"] = [PUBLIC]
    port = int(base.rsplit(":", 1)[1])
    with pytest.raises(SourceError, match=r"refusing to fetch http://127\.0\.0\.1"):
        sources.fetch(
            sources.parse(f"http://papers.test:{port}/redirect?to={base}/paper.md"), access=LOCKED, max_bytes=10**6
        )
    assert connections == [(PUBLIC, port)]  # the first hop only
    # The same chain, on a machine that allows private hosts, arrives.
    fetched = sources.fetch(sources.parse(f"{base}/redirect?to=/paper.md"), access=SERVED_HERE, max_bytes=10**6)
    assert fetched.data == paper_markdown().encode()


def test_a_name_that_answers_public_then_loopback_never_reaches_loopback(
    file_server: tuple[Path, str], fake_dns: tuple[dict[str, list[str]], list[tuple[str, int]]]
) -> None:
    """DNS rebinding: the name is resolved once, checked, and the connection goes to the address
    that was checked, with the name kept in the Host header; a second lookup (loopback) never
    happens."""
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    answers, connections = fake_dns
    answers["rebind.test"] = [PUBLIC, "127.0.0.1"]
    port = int(base.rsplit(":", 1)[1])
    fetched = sources.fetch(sources.parse(f"http://rebind.test:{port}/paper.md"), access=LOCKED, max_bytes=10**6)
    assert fetched.data == paper_markdown().encode() and fetched.url == f"http://rebind.test:{port}/paper.md"
    assert connections == [(PUBLIC, port)]
    assert answers["rebind.test"] == ["127.0.0.1"]  # looked up once: the loopback answer is unused


def test_a_redirect_to_another_scheme_is_refused(file_server: tuple[Path, str]) -> None:
    _, base = file_server
    with pytest.raises(SourceError, match="unsupported URL scheme 'file'"):
        sources.fetch(sources.parse(f"{base}/redirect?to=file:///etc/passwd"), access=SERVED_HERE, max_bytes=10**6)


def _latexml(markdown: str) -> str:
    """The paper as arXiv's HTML (LaTeXML) sets it: each section a <section id="S2"> with its
    numbered <h2> inside, the abstract in a <div id="abstract">."""
    body, number = [], 0
    for block in markdown.split("\n\n"):
        if block.startswith("# "):
            body.append(f'<h1 class="ltx_title ltx_title_document">{block[2:]}</h1>')
        elif block.startswith("## Abstract"):
            body.append('<div class="ltx_abstract" id="abstract"><h6 class="ltx_title">Abstract</h6>')
        elif block.startswith("## "):
            number += 1
            tag, title = block[3:].split(" ", 1)
            body.append(
                f'</div></section><section id="S{number}" class="ltx_section"><h2 class="ltx_title">'
                f'<span class="ltx_tag ltx_tag_section">{tag} </span>{title}</h2><div class="ltx_para">'
            )
        else:
            body.append(f'<p class="ltx_p">{block}</p>')
    html = "".join(body).replace("</div></section>", "</div>", 1)  # the abstract closes first
    page = "<!DOCTYPE html><html><head><title>x</title></head><body><article>{}</div></section></article></body></html>"
    return page.format(html)


def test_sources_of_an_arxiv_html_paper_link_to_its_section_anchors(
    arxiv: dict[str, bytes], fakes: dict[str, Any], tmp_path: Path
) -> None:
    import re

    from langgraph.checkpoint.memory import InMemorySaver

    from paper_summarizer.context import Context
    from paper_summarizer.graph import build_graph
    from tests.factories import summary
    from tests.fakes import script
    from tests.graph_runs import invoke
    from tests.scripted_server import verdict_json

    html = _latexml(paper_markdown())
    arxiv["/html/2401.01234"] = html.encode()
    script(fakes, "writer", [summary(150, seed=1)])
    script(fakes, "judge", [verdict_json("PASS")])
    graph = build_graph(InMemorySaver(), InMemoryStore())
    context = Context(model="writer", evaluator_model="judge", min_words=100, max_iterations=1)
    out = invoke(graph, {"source": "arXiv:2401.01234"}, {"configurable": {"thread_id": "t"}}, context=context)
    markdown = out["result"]["markdown"]
    base = arxiv["__base__"].decode()
    links = re.findall(r"\[§(\d)\]\(([^)#]+)#([^)]+)\)", markdown)
    assert len(links) >= 4, markdown
    for number, url, anchor in links:
        assert url == f"{base}/html/2401.01234"
        assert f'<section id="{anchor}"' in html and anchor == f"S{number}"  # the section it names


FIGURES_HTML = """<!DOCTYPE html><html><head><title>Gates Before Judges</title></head><body>
<h1>Gates Before Judges</h1><p>{body}</p>
<figure class="ltx_figure"><img src="x1.png"><figcaption>Figure 1: Gates first.</figcaption></figure>
<figure class="ltx_figure"><img src="missing.png"><figcaption>Figure 2: Gone.</figcaption></figure>
<figure class="ltx_figure"><img src="x3.png"><figcaption>Figure 3: Too big.</figcaption></figure>
</body></html>"""


def test_arxiv_html_figures_are_downloaded_as_papers_are(arxiv: dict[str, bytes]) -> None:
    import io

    from PIL import Image

    arxiv["/html/2401.01234"] = FIGURES_HTML.format(body="Gates cut judge calls. " * 40).encode()
    small, large = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(small, "PNG")
    Image.frombytes("RGB", (300, 300), bytes(300 * 300 * 3)).save(large, "BMP")  # 270 KB
    arxiv["/html/x1.png"], arxiv["/html/x3.png"] = small.getvalue(), large.getvalue()
    store = InMemoryStore()
    limit = 100_000  # the page and the small image fit; the large one is past the paper's limit
    ref, _ = awaited(library.load("arXiv:2401.01234", store, access=SERVED_HERE, max_bytes=limit, with_figures=True))
    found = awaited(library.figures(store, ref))
    assert [(figure.number, figure.caption) for figure in found] == [(1, "Figure 1: Gates first.")]
    assert Image.open(io.BytesIO(found[0].png)).size == (30, 20)
    # A deployment that may not fetch private addresses fetches no image there either.
    closed = Access(local_files=False, private_urls=False, model_urls=False)
    listed = figures.html_figures(arxiv["/html/2401.01234"], arxiv["__base__"].decode() + "/html/2401.01234")
    assert figures.download(listed, access=closed, max_bytes=limit) == []
