"""Where a summary shows the paper's figures: the writer puts a marker line, `[[Figure 3]]`, where
a figure belongs, and `place` turns it into the image with the paper's own caption under it.
Pure: no I/O; the caller writes the PNGs to `<name>.figures/`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

MAX_FIGURES = 2  # a summary shows the key figure or two, not the paper's gallery
SHORT_CAPTION_CHARS = 100
PROMPT_CAPTION_CHARS = 300

_MARKER = re.compile(r"^[ \t]*\[\[\s*(Figure|Table)\s+(\d{1,3})\s*\]\][ \t]*$", re.MULTILINE | re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:Figure|Fig\.?|Table)\s*\d+\s*[.:|—–]?\s*", re.IGNORECASE)


class Captioned(Protocol):
    """What placing needs of a figure (documents.figures.Figure has it)."""

    @property
    def number(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def caption(self) -> str: ...


@dataclass(frozen=True)
class Placed:
    markdown: str
    used: list[Captioned]  # in the order they appear; their PNGs go to `file_name(...)`
    unknown: list[str]  # markers that name no figure of the paper ("[[Figure 9]]"): a gate fails on them


def figure_list(figures: Sequence[Captioned], max_figures: int = MAX_FIGURES) -> str:
    """The paper's figures for the writer's prompt, one line each with its marker; "" when
    figures are off or the paper has none."""
    if max_figures <= 0 or not figures:
        return ""
    return "\n".join(f"- [[{_name(figure)}]] {_shortened(figure.caption, PROMPT_CAPTION_CHARS)}" for figure in figures)


def file_name(figure: Captioned) -> str:
    return f"{figure.kind}-{figure.number}.png"


def place(summary: str, figures: Sequence[Captioned], name: str, max_figures: int = MAX_FIGURES) -> Placed:
    """The summary with its first `max_figures` markers of real figures replaced by the image
    (`<name>.figures/figure-3.png`) and the paper's caption; every other marker line is removed.
    A figure is shown once, where it is first named."""
    by_name = {_name(figure).lower(): figure for figure in figures}
    used: list[Captioned] = []
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        label = f"{match.group(1).capitalize()} {int(match.group(2))}"
        figure = by_name.get(label.lower())
        if figure is None:
            unknown.append(f"[[{label}]]")
            return ""
        if any(figure is shown for shown in used) or len(used) >= max_figures:
            return ""
        used.append(figure)
        short = _shortened(_LABEL.sub("", figure.caption), SHORT_CAPTION_CHARS)
        alt = _escaped(short.replace("[", "(").replace("]", ")"))
        words = _escaped(" ".join(figure.caption.split()))
        return f"![{label}: {alt}]({name}.figures/{file_name(figure)})\n\n*{label}, in the paper's words: “{words}”*"

    markdown = _MARKER.sub(replace, summary)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)  # where a marker line was removed
    return Placed(markdown, used, unknown)


def without_markers(summary: str) -> str:
    """The summary as the gates read it: its marker lines are code's to fill, not its words."""
    return re.sub(r"\n{3,}", "\n\n", _MARKER.sub("", summary))


def unknown_markers(summary: str, figures: Sequence[Captioned]) -> list[str]:
    """The markers that name no figure of the paper ("[[Figure 9]]" in a paper with 4)."""
    return place(summary, figures, "", max_figures=len(figures)).unknown


_OVERVIEW = re.compile(r"\b(overview|architecture|framework|pipeline|approach|method|system|model)\b", re.IGNORECASE)


def overview_figure(figures: Sequence[Captioned]) -> Captioned | None:
    """The first figure whose caption names the method or the overview: the one an outline
    places under its approach section for a small writer."""
    return next((f for f in figures if f.kind == "figure" and _OVERVIEW.search(f.caption)), None)


def marker(figure: Captioned) -> str:
    return f"[[{_name(figure)}]]"


def _name(figure: Captioned) -> str:
    return f"{figure.kind.capitalize()} {figure.number}"


def _shortened(caption: str, limit: int) -> str:
    """The caption's first sentence, within `limit` characters."""
    text = " ".join(caption.split())
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _escaped(text: str) -> str:
    # The paper's words, shown as they are, not read as markdown (emphasis, links, HTML).
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
