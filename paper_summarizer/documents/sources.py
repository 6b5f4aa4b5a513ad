"""What a source string means (arXiv ID or URL, any http(s) URL, a local file) and its bytes."""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import ParseResult, urlparse

from paper_summarizer.context import SPENDING, ceiling_variable
from paper_summarizer.errors import BadInputError, GraphSetupError, NetworkError, SourceError, first_line
from paper_summarizer.state import Upload

ALLOW_LOCAL_FILES = "PAPER_SUMMARIZER_ALLOW_LOCAL_FILES"
ALLOW_PRIVATE_URLS = "PAPER_SUMMARIZER_ALLOW_PRIVATE_URLS"
ALLOW_MODEL_URLS = "PAPER_SUMMARIZER_ALLOW_MODEL_URLS"
DEPLOYMENT_BASE_URL = "PAPER_SUMMARIZER_BASE_URL"
ALLOWED_MODELS = "PAPER_SUMMARIZER_ALLOWED_MODELS"
MAX_REDIRECTS = 10

_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
ARXIV_ID = re.compile(rf"^(?:arxiv:)?({_NEW_ID}|{_OLD_ID})$", re.IGNORECASE)
_LOOKS_LIKE_ID = re.compile(r"^(?:arxiv:|\d{4}\.\d)", re.IGNORECASE)
_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html)/({_NEW_ID}|{_OLD_ID})(?:\.pdf)?/?$")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}


@dataclass(frozen=True)
class Access:
    """What a run may read, reach and spend. It is the deployment's decision, made when the graph
    is built, never a run's input or context: a served graph's caller may be hostile."""

    local_files: bool  # paths on this machine
    private_urls: bool  # hosts on loopback, private or link-local addresses
    model_urls: bool  # a model server (base_url) named by the run, sent this machine's API key
    # The most a run may set each spending field to (context.SPENDING), from the environment.
    ceilings: Mapping[str, float] = field(default_factory=dict)
    # Whether a field without a ceiling is capped at its default: served runs may only lower.
    default_ceilings: bool = False
    # The models a run may name; None: any, or for a deployment only its own (its defaults).
    allowed_models: frozenset[str] | None = None
    # Only the document types papers come in (PDF, HTML, text, markdown, DOCX): not archives,
    # spreadsheets or the rest of what markitdown reads, each a parser for a hostile file to try.
    paper_types_only: bool = False

    @classmethod
    def for_user(cls) -> Access:
        """The CLI and the Python API run as the machine's user: they may read what the user can,
        and spend what they choose, unless the environment sets ceilings or allowed models."""
        return cls(local_files=True, private_urls=True, model_urls=True, **_spending())

    @classmethod
    def for_deployment(cls) -> Access:
        """A served graph: none of these, unless the deployment's environment turns them on; no
        spending field above its default, and no model but its own, unless it sets others."""
        return cls(
            local_files=_flag(ALLOW_LOCAL_FILES),
            private_urls=_flag(ALLOW_PRIVATE_URLS),
            model_urls=_flag(ALLOW_MODEL_URLS),
            default_ceilings=True,
            paper_types_only=True,
            **_spending(),
        )

    def check_type(self, doc: Fetched, label: str) -> Fetched:
        """The document, if this deployment reads its type, told by its bytes as well as its
        name (a PDF is a PDF whatever it is called); else a one-line refusal."""
        if doc.data.lstrip()[:5] == b"%PDF-":
            return Fetched(doc.data, ".pdf", doc.url, doc.name)
        if not self.paper_types_only or doc.extension == ".pdf":  # not a PDF inside: the converter says so
            return doc
        if doc.data[:4] == b"PK\x03\x04":
            if doc.extension == ".docx" and _is_docx(doc.data):
                return doc
            raise SourceError(f"{label} is a ZIP archive; {_PAPER_TYPES}")
        if doc.extension in _TEXT_TYPES and b"\0" not in doc.data[:8192]:
            return doc
        kind = f"a {doc.extension} file" if doc.extension else "a binary file"
        raise SourceError(f"{label} is {kind}; {_PAPER_TYPES}")

    def check_model_url(self, base_url: str) -> None:
        """A run may use the deployment's own model server (its environment's base URL), or any
        when allowed: the model client sends the deployment's API key to that server."""
        if self.model_urls or not base_url or base_url == os.environ.get(DEPLOYMENT_BASE_URL, ""):
            return
        raise BadInputError(
            f"this deployment does not let a run choose its model server (base_url {base_url!r}): its "
            f"operator sets {DEPLOYMENT_BASE_URL}, or allows run-chosen servers with {ALLOW_MODEL_URLS}=1"
        )


_TEXT_TYPES = {".html", ".htm", ".xhtml", ".txt", ".text", ".md", ".markdown", ""}
_PAPER_TYPES = "this deployment reads PDF, HTML, plain text, markdown and DOCX files"


def _is_docx(data: bytes) -> bool:
    """Reads the archive's directory only: nothing is decompressed."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _spending() -> dict[str, Any]:
    """The ceilings and allowed models the environment sets."""
    ceilings = {}
    for name in SPENDING:
        raw = os.environ.get(ceiling_variable(name), "").strip()
        if raw:
            try:
                ceilings[name] = float(raw)
            except ValueError:
                raise GraphSetupError(f"{ceiling_variable(name)} must be a number, not {raw!r}") from None
    models = [m.strip() for m in os.environ.get(ALLOWED_MODELS, "").split(",") if m.strip()]
    return {"ceilings": ceilings, "allowed_models": frozenset(models) if models else None}


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


class Converted(NamedTuple):
    """A document as markdown."""

    markdown: str
    title: str
    left_out: str  # text a reader cannot see, left out, in one sentence ("" when none)
    # Where each page starts in `markdown` (a PDF's; empty for formats without pages), so a
    # passage of the paper can be cited by its page.
    page_starts: tuple[int, ...] = ()
    # (heading, id of its section's element) for an HTML paper (arXiv's), so a passage's
    # section can link to its anchor on the page.
    anchors: tuple[tuple[str, str], ...] = ()


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


def fetch(source: Source, *, access: Access, max_bytes: int, timeout: float = 60) -> Fetched:
    if source.kind == "file":
        return _read_file(source.location, access)
    if source.kind == "url":
        data, ext, url = _download(source.location, access, max_bytes, timeout)
        stem = Path(urlparse(url).path).stem or urlparse(url).hostname or "paper"
        return Fetched(data, ext, url, safe_name(stem))
    # arXiv: the HTML rendering keeps headings and reading order; the PDF is the fallback.
    name = safe_name(source.location.replace("/", "_"))
    try:
        data, ext, url = _download(f"{arxiv_base()}/html/{source.location}", access, max_bytes, timeout)
        if ext == ".html":
            return Fetched(data, ext, url, name)
    except SourceError:
        pass
    data, ext, url = _download(f"{arxiv_base()}/pdf/{source.location}", access, max_bytes, timeout)
    return Fetched(data, ext or ".pdf", url, name)


def uploaded(upload: Upload, max_bytes: int) -> Fetched:
    """A client's file, sent as base64 in the run's input."""
    encoded = upload.get("content_base64") or ""
    if len(encoded) * 3 // 4 > max_bytes:
        raise SourceError(f"{upload['name']} is larger than the {max_bytes / 1e6:g} MB limit")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SourceError(f"the upload of {upload['name']} is not valid base64") from exc
    if not data.strip():
        raise SourceError(f"{upload['name']} is empty")
    path = Path(upload["name"])
    return Fetched(data, path.suffix.lower(), "", safe_name(path.stem))


def _read_file(location: str, access: Access) -> Fetched:
    if not access.local_files:
        raise SourceError(
            "reading local files is turned off for this deployment (its operator can set "
            f"{ALLOW_LOCAL_FILES}=1); give an http(s) URL or an arXiv ID"
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


def check_url(url: str, access: Access) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses the URL's host resolves to, once, each checked: refuse what a served graph
    must never fetch: other schemes, and hosts on loopback, private, link-local (cloud metadata
    at 169.254.169.254), unique-local, multicast or unspecified addresses. Resolving catches the
    bypasses too: decimal IPs (http://2130706433/) and DNS names that point inside. The download
    then connects to one of these addresses, never to a second answer for the name."""
    host = _http_url(url).hostname or ""
    addresses = resolve(host)
    if access.private_urls:
        return addresses
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise SourceError(
                f"refusing to fetch {url}: {host} is a private or local address; "
                f"a deployment can allow such hosts with {ALLOW_PRIVATE_URLS}=1"
            )
    return addresses


def _http_url(url: str) -> ParseResult:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise SourceError(f"unsupported URL scheme {parsed.scheme!r} in {url}: use http or https")
    return parsed


def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address the host name (or IP literal, in any notation) resolves to."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise NetworkError(f"cannot resolve {host}: {exc}") from exc
    if not infos:
        raise NetworkError(f"cannot resolve {host}: no address")
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@functools.cache
def _pinning_transport() -> type:
    """An httpx transport that connects to the address `check_url` checked, keeping the URL's
    host name in the Host header and as the TLS server name (so the certificate is checked for
    it). httpx would otherwise resolve the name again, and a DNS server that answers a public
    address first and 127.0.0.1 second (DNS rebinding) would get the download to loopback."""
    import httpx

    class PinningTransport(httpx.HTTPTransport):
        def __init__(self, access: Access) -> None:
            super().__init__()
            self.access = access

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            address = check_url(str(request.url), self.access)[0]
            extensions = dict(request.extensions)
            if request.url.scheme == "https":
                extensions["sni_hostname"] = request.url.host
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,  # Host: the name, set from the URL when the request was built
                stream=request.stream,
                extensions=extensions,
            )
            return super().handle_request(pinned)

    return PinningTransport


def _download(url: str, access: Access, max_bytes: int, timeout: float) -> tuple[bytes, str, str]:
    import httpx  # here, not at the top: reading a local file needs no HTTP stack

    try:
        with httpx.Client(follow_redirects=False, timeout=timeout, transport=_pinning_transport()(access)) as client:
            # Redirects are followed by hand, and each hop goes through the transport, which
            # resolves it once, checks it and connects to the address it checked.
            for _ in range(MAX_REDIRECTS + 1):
                _http_url(url)
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code >= 400:
                        raise SourceError(f"HTTP {response.status_code} from {url}")
                    data = _read_limited(response, url, max_bytes)
                    content_type = response.headers.get("content-type", "").split(";")[0].strip()
                    break
            else:
                raise SourceError(f"too many redirects (over {MAX_REDIRECTS}) fetching {url}")
    except httpx.TimeoutException as exc:
        raise NetworkError(f"timed out after {timeout:g} s fetching {url}") from exc
    except httpx.HTTPError as exc:
        raise NetworkError(f"cannot fetch {url}: {first_line(str(exc)) or type(exc).__name__}") from exc
    if not data.strip():
        raise SourceError(f"{url} returned an empty document")
    return data, _extension(content_type, url), url


def _read_limited(response: Any, url: str, max_bytes: int) -> bytes:
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise SourceError(_too_large(url, max_bytes))
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(_too_large(url, max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(url: str, max_bytes: int) -> str:
    return f"{url} is larger than the {max_bytes / 1e6:g} MB download limit"


def _extension(content_type: str, url: str) -> str:
    known = {"application/pdf": ".pdf", "text/html": ".html", "application/xhtml+xml": ".html"}
    return known.get(content_type) or Path(urlparse(url).path).suffix.lower()
