"""What a source string means (arXiv ID or URL, any http(s) URL, a local file) and its bytes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from paper_summarizer.errors import SourceError

_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
ARXIV_ID = re.compile(rf"^(?:arxiv:)?({_NEW_ID}|{_OLD_ID})$", re.IGNORECASE)
_LOOKS_LIKE_ID = re.compile(r"^(?:arxiv:|\d{4}\.\d)", re.IGNORECASE)
_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html)/({_NEW_ID}|{_OLD_ID})(?:\.pdf)?/?$")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}


@dataclass(frozen=True)
class Source:
    kind: str  # "arxiv" | "url" | "file"
    location: str  # arXiv ID, URL or path
    text: str  # what the user wrote


@dataclass(frozen=True)
class Fetched:
    data: bytes
    extension: str  # ".pdf", ".html", ... as far as we can tell
    url: str  # where it came from ("" for local files)
    name: str  # a file-name-safe stem for outputs


def parse(text: str) -> Source:
    text = text.strip()
    if not text:
        raise SourceError("empty source: give an arXiv ID, a URL or a file path")
    if match := ARXIV_ID.match(text):
        return Source("arxiv", match.group(1), text)
    if "://" in text:
        url = urlparse(text)
        if url.scheme not in ("http", "https"):
            raise SourceError(f"unsupported URL scheme {url.scheme!r}: use http or https")
        if url.hostname in _ARXIV_HOSTS:
            if match := _ARXIV_PATH.match(url.path):
                return Source("arxiv", match.group(1), text)
            raise SourceError(f"not an arXiv paper URL: {text}")
        return Source("url", text, text)
    if _LOOKS_LIKE_ID.match(text) and not Path(text).exists():
        raise SourceError(f"malformed arXiv ID {text!r}: expected e.g. 2506.13585 or hep-th/9901001")
    return Source("file", text, text)


def arxiv_base() -> str:
    # Tests and mirrors point this at another host.
    return os.environ.get("PAPER_SUMMARIZER_ARXIV_BASE", "https://arxiv.org").rstrip("/")


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "paper"


def fetch(source: Source, *, allow_local_files: bool, max_bytes: int, timeout: float = 60) -> Fetched:
    if source.kind == "file":
        return _read_file(source.location, allow_local_files)
    if source.kind == "url":
        data, ext, url = _download(source.location, max_bytes, timeout)
        stem = Path(urlparse(url).path).stem or urlparse(url).hostname or "paper"
        return Fetched(data, ext, url, safe_name(stem))
    # arXiv: the HTML rendering keeps headings and reading order; the PDF is the fallback.
    name = safe_name(source.location.replace("/", "_"))
    try:
        data, ext, url = _download(f"{arxiv_base()}/html/{source.location}", max_bytes, timeout)
        if ext == ".html":
            return Fetched(data, ext, url, name)
    except SourceError:
        pass
    data, ext, url = _download(f"{arxiv_base()}/pdf/{source.location}", max_bytes, timeout)
    return Fetched(data, ext or ".pdf", url, name)


def _read_file(location: str, allowed: bool) -> Fetched:
    if not allowed:
        raise SourceError(
            "reading local files is turned off here (set allow_local_files, or "
            "PAPER_SUMMARIZER_ALLOW_LOCAL_FILES=1 on the server)"
        )
    path = Path(location).expanduser()
    if not path.exists():
        raise SourceError(f"no such file: {location}")
    if path.is_dir():
        raise SourceError(f"{location} is a directory, not a paper")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {location}: {exc.strerror}") from exc
    if not data.strip():
        raise SourceError(f"{location} is empty")
    return Fetched(data, path.suffix.lower(), "", safe_name(path.stem))


def _download(url: str, max_bytes: int, timeout: float) -> tuple[bytes, str, str]:
    import httpx  # here, not at the top: reading a local file needs no HTTP stack

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
            if response.status_code >= 400:
                raise SourceError(f"HTTP {response.status_code} from {url}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise SourceError(_too_large(url, max_bytes))
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(_too_large(url, max_bytes))
                chunks.append(chunk)
            final_url = str(response.url)
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.TimeoutException as exc:
        raise SourceError(f"timed out after {timeout:g} s fetching {url}") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot fetch {url}: {exc}") from exc
    data = b"".join(chunks)
    if not data.strip():
        raise SourceError(f"{url} returned an empty document")
    return data, _extension(content_type, final_url), final_url


def _too_large(url: str, max_bytes: int) -> str:
    return f"{url} is larger than the {max_bytes / 1e6:g} MB download limit"


def _extension(content_type: str, url: str) -> str:
    known = {"application/pdf": ".pdf", "text/html": ".html", "application/xhtml+xml": ".html"}
    return known.get(content_type) or Path(urlparse(url).path).suffix.lower()
