"""Paper text, stored once per paper in a LangGraph store and keyed by the SHA-256 of the
source bytes. The graph state carries only the key, so checkpoints do not grow with the paper,
and summarizing the same bytes again (another model, a resumed run) skips conversion.

`load` and `text` are for the graph's async nodes: downloading runs in a thread and converting
in a bounded worker process (see worker.py), so one event loop serves many papers, and no
untrusted bytes are parsed in the process that runs graphs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from paper_summarizer.documents import figures as found_figures
from paper_summarizer.documents import sources, worker
from paper_summarizer.documents.figures import Figure
from paper_summarizer.errors import ConversionError, SourceError
from paper_summarizer.evidence import Locator
from paper_summarizer.state import PaperRef, Upload

if TYPE_CHECKING:  # documents/ never imports the graph stack: `convert` starts in a blink
    from langgraph.store.base import BaseStore

# Bump when conversion changes, so old cached text is not reused.
CONVERTER_VERSION = "4"  # 3: hidden text left out; 4: where each page starts, HTML anchors
NAMESPACE = ("papers", f"v{CONVERTER_VERSION}")
# A paper's figures, keyed like its text, kept apart so that reading the text stays cheap: one
# item per paper, {"figures": [figures.to_json(figure), ...]} (each PNG in base64, 200 KB at
# most). Bump when finding figures changes.
FIGURES_VERSION = "1"
FIGURES_NAMESPACE = ("figures", f"v{FIGURES_VERSION}")

log = logging.getLogger(__name__)


def read(source_text: str, *, access: sources.Access, max_bytes: int) -> tuple[sources.Source, sources.Fetched]:
    """What the source string names, and its bytes."""
    source = sources.parse(source_text)
    return source, sources.fetch(source, access=access, max_bytes=max_bytes)


def markdown(source_text: str, *, access: sources.Access, max_bytes: int) -> str:
    """The paper as the model will read it, without a store (`paper-summarizer convert`)."""
    source, fetched = read(source_text, access=access, max_bytes=max_bytes)
    return worker.convert(access.check_type(fetched, source.text), source.text)[0]


async def load(
    source_text: str,
    store: BaseStore,
    *,
    access: sources.Access,
    max_bytes: int,
    upload: Upload | None = None,
    with_figures: bool = False,
) -> tuple[PaperRef, str]:
    """The paper's reference and its text, converted once and stored. An upload (a client's
    file, sent as bytes) is used as it is: nothing is read from this machine for it. With
    `with_figures`, its figures are found once and stored too (read them with `figures`)."""
    if upload is not None:
        source, fetched = sources.Source("file", upload["name"], source_text), sources.uploaded(upload, max_bytes)
    else:
        source, fetched = await asyncio.to_thread(read, source_text, access=access, max_bytes=max_bytes)
    fetched = access.check_type(fetched, source.text)
    key = hashlib.sha256(fetched.data).hexdigest()
    item = await store.aget(NAMESPACE, key)
    if item is None:
        text, title, left_out, page_starts, anchors = await worker.aconvert(fetched, source.text)
        value = {
            "text": text, "title": title, "left_out": left_out, "page_starts": list(page_starts),
            "anchors": [list(pair) for pair in anchors],
        }  # fmt: skip
        await store.aput(NAMESPACE, key, value, index=False)
    else:
        text, title, left_out = item.value["text"], item.value["title"], item.value.get("left_out", "")
    if with_figures:
        await store_figures(store, key, fetched, source.text, access=access, max_bytes=max_bytes)
    ref = PaperRef(
        key=key,
        title=title,
        name=fetched.name,
        source_url=fetched.url,
        arxiv_id=source.location if source.kind == "arxiv" else "",
        chars=len(text),
        words=len(text.split()),
        notice="",
        left_out=left_out,
        parts=[],
        condensed_key="",
    )
    return ref, text


async def keep(store: BaseStore, text: str, *, title: str, name: str) -> PaperRef:
    """Text made here, not read from a source (a reading list's summaries, which its overview is
    written from and checked against), stored as a paper is: the nodes that read a paper read it."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    value = {"text": text, "title": title, "left_out": "", "page_starts": [], "anchors": []}
    await store.aput(NAMESPACE, key, value, index=False)
    return PaperRef(
        key=key, title=title, name=name, source_url="", arxiv_id="", chars=len(text), words=len(text.split()),
        notice="", left_out="", parts=[], condensed_key="",
    )  # fmt: skip


async def text(store: BaseStore, paper: PaperRef) -> str:
    return str((await _stored(store, paper))["text"])


async def located_text(store: BaseStore, paper: PaperRef) -> tuple[str, Locator]:
    """The paper's text, and how a reader finds a passage of it: its pages (a PDF's), and its
    sections' anchors on the page it was read from (arXiv's HTML). One read of the store."""
    stored = await _stored(store, paper)
    anchors = tuple((heading, anchor) for heading, anchor in stored.get("anchors") or [])
    where = Locator(tuple(stored.get("page_starts") or ()), anchors, paper["source_url"] if anchors else "")
    return str(stored["text"]), where


async def _stored(store: BaseStore, paper: PaperRef) -> dict[str, Any]:
    item = await store.aget(NAMESPACE, paper["key"])
    if item is None:
        raise SourceError(f"the text of {paper['title']!r} is no longer in the store; start a new run")
    return dict(item.value)


async def store_figures(
    store: BaseStore, key: str, fetched: sources.Fetched, label: str, *, access: sources.Access, max_bytes: int
) -> None:
    """Find the paper's figures and store them under its key, unless they are stored already.
    A paper whose figures cannot be found gets an empty list, and is summarized all the same."""
    if await store.aget(FIGURES_NAMESPACE, key) is not None:
        return
    found = await extract_figures(fetched, label, access=access, max_bytes=max_bytes)
    value = {"figures": [found_figures.to_json(figure) for figure in found]}
    await store.aput(FIGURES_NAMESPACE, key, value, index=False)


async def extract_figures(
    fetched: sources.Fetched, label: str, *, access: sources.Access, max_bytes: int
) -> list[Figure]:
    """A PDF's figures, cropped from its pages; an HTML page's (arXiv's), downloaded. Every
    untrusted byte is parsed in a worker; only the downloads run here, in a thread."""
    try:
        if fetched.extension == ".pdf":
            return await worker.afigures(fetched, label)
        if fetched.extension in (".html", ".htm", ".xhtml") and fetched.url:
            listed = await worker.arun(found_figures.html_figures, fetched.data, fetched.url, label=label)
            images = await asyncio.to_thread(found_figures.download, listed, access=access, max_bytes=max_bytes)
            return await worker.arun(found_figures.image_figures, images, label=label)
    except ConversionError as exc:
        log.warning("%s: no figures (%s)", label, exc)
    return []


async def figures(store: BaseStore, paper: PaperRef) -> list[Figure]:
    """The paper's stored figures, in the paper's order; none if they were never looked for."""
    item = await store.aget(FIGURES_NAMESPACE, paper["key"])
    if item is None:
        return []
    return [found_figures.from_json(value) for value in item.value.get("figures", [])]
