"""What a reader of a summary sees: its markdown rendered by a real parser (markdown-it-py, as
CommonMark renders it), not its source text. The gates run on this, so what is hidden from the
reader (an HTML comment, raw HTML, the body swallowed by an unclosed code fence) cannot count
towards a pass, and what is shown is compared after the tricks that hide a copy are undone."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

HEADING, PARAGRAPH, CODE = "heading", "paragraph", "code"


@dataclass(frozen=True)
class Block:
    kind: str  # HEADING, PARAGRAPH (list items and quotes too) or CODE
    text: str  # as the reader sees it: markup gone, one line
    level: int = 0  # a heading's level, 1 for the title
    last_line: int = -1  # the source line it ends on (from 0), where a paragraph's sources go


@dataclass(frozen=True)
class Rendered:
    blocks: list[Block]
    html: list[str] = field(default_factory=list)  # raw HTML and comments: a reader never sees them

    @property
    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == HEADING]

    @property
    def prose(self) -> list[Block]:
        """Headings and paragraphs: what is read as text (code is not prose)."""
        return [b for b in self.blocks if b.kind != CODE]

    def text(self) -> str:
        return "\n".join(b.text for b in self.prose)


def render(markdown: str) -> Rendered:
    tokens = _parser().parse(markdown) if markdown else []
    blocks: list[Block] = []
    html: list[str] = []
    level = 0
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1])
        elif token.type == "inline":
            text = _inline_text(token.children or [], html)
            last = token.map[1] - 1 if token.map else -1
            if level:
                blocks.append(Block(HEADING, text, level, last))
                level = 0
            elif text:
                blocks.append(Block(PARAGRAPH, text, last_line=last))
        elif token.type in ("fence", "code_block"):
            blocks.append(Block(CODE, token.content.strip()))
        elif token.type == "html_block":
            html.append(token.content.strip())
    return Rendered(blocks, html)


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _inline_text(children: list[Token], html: list[str]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            html.append(child.content)
        elif child.type == "image":
            parts.append(_inline_text(child.children or [], html))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


# --- undoing what hides a copy ------------------------------------------------------------------


def plain(text: str, *, latin: bool = True) -> str:
    """`text` as compared with the paper: NFKC (ligatures, full-width forms), format characters
    (zero-width spaces and joiners, soft hyphens) removed, and, for a Latin-script summary,
    letters of other scripts that look like Latin ones (Cyrillic а, Greek ο) mapped to them."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if latin:
        text = "".join(_latin_lookalike(ch) if ord(ch) > 0x24F else ch for ch in text)
    return text


@functools.cache
def _latin_lookalike(char: str) -> str:
    from confusable_homoglyphs import confusables

    if not char.isalpha():
        return char
    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True) or []
    for entry in found:
        for glyph in entry.get("homoglyphs", []):
            if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalpha():
                return str(glyph["c"])
    return char
