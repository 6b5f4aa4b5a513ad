"""Paper text, stored once per paper in a LangGraph store and keyed by the SHA-256 of the
source bytes. The graph state carries only the key, so checkpoints do not grow with the paper,
and summarizing the same bytes again (another model, a resumed run) skips conversion.

`load` and `text` are for the graph's async nodes: downloading runs in a thread and converting
in a bounded worker process (see worker.py), so one event loop serves many papers, and no
untrusted bytes are parsed in the process that runs graphs."""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any

from paper_summarizer.documents import sources, worker
from paper_summarizer.errors import SourceError
from paper_summarizer.evidence import Locator
from paper_summarizer.state import PaperRef, Upload

if TYPE_CHECKING:  # documents/ never imports the graph stack: `convert` starts in a blink
    from langgraph.store.base import BaseStore

# Bump when conversion changes, so old cached text is not reused.
CONVERTER_VERSION = "4"  # 3: hidden text left out; 4: where each page starts, HTML anchors
NAMESPACE = ("papers", f"v{CONVERTER_VERSION}")


def read(source_text: str, *, access: sources.Access, max_bytes: int) -> tuple[sources.Source, sources.Fetched]:
    """What the source string names, and its bytes."""
    source = sources.parse(source_text)
    return source, sources.fetch(source, access=access, max_bytes=max_bytes)


def markdown(source_text: str, *, access: sources.Access, max_bytes: int) -> str:
    """The paper as the model will read it, without a store (`paper-summarizer convert`)."""
    source, fetched = read(source_text, access=access, max_bytes=max_bytes)
    return worker.convert(access.check_type(fetched, source.text), source.text)[0]


async def load(
    source_text: str, store: BaseStore, *, access: sources.Access, max_bytes: int, upload: Upload | None = None
) -> tuple[PaperRef, str]:
    """The paper's reference and its text, converted once and stored. An upload (a client's
    file, sent as bytes) is used as it is: nothing is read from this machine for it."""
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
