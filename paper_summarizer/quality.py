"""Checks that code can make better than any judge: counted, not opined. Pure functions of text."""

from __future__ import annotations

import re
from collections import Counter

from paper_summarizer.state import Check, NumberCheck

MAX_VERBATIM_WORDS = 40
MIN_DISTINCT_TRIGRAMS = 0.5
MAX_TLDR_WORDS = 40
TLDR = "**TL;DR:**"
WRAPPER_TAGS = re.compile(r"</?\s*(RESPONSE|think|summary|paper)\s*>", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+\S")
# Chinese, Japanese and Korean are written without spaces between words: each character is a
# token, and counts as half a word (500 English words are about 1,000 CJK characters).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’.\-][^\W_{_CJK}]+)*")
_IS_CJK = re.compile(rf"[{_CJK}]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
SCRIPTS = {
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "greek": re.compile(r"[\u0370-\u03ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
    "devanagari": re.compile(r"[\u0900-\u097f]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
}
_LANGUAGE_SCRIPTS = {
    "chinese": {"han"}, "mandarin": {"han"}, "cantonese": {"han"}, "japanese": {"han", "kana"},
    "korean": {"hangul"}, "russian": {"cyrillic"}, "ukrainian": {"cyrillic"}, "bulgarian": {"cyrillic"},
    "serbian": {"cyrillic"}, "greek": {"greek"}, "arabic": {"arabic"}, "persian": {"arabic"}, "farsi": {"arabic"},
    "urdu": {"arabic"}, "hebrew": {"hebrew"}, "hindi": {"devanagari"}, "marathi": {"devanagari"},
    "nepali": {"devanagari"}, "thai": {"thai"},
}  # fmt: skip
_ENGLISH = {"the", "and", "of", "to", "is", "in", "that", "for", "with", "this", "are", "it", "on", "as", "by"}


def words(text: str) -> list[str]:
    """Tokens: words where words are spaced, single characters in CJK text."""
    return [w.lower().strip(".'’-") for w in _TOKEN.findall(text)]


def word_count(text: str) -> int:
    """Length in English-word equivalents: a spaced word is one, a CJK character half of one."""
    tokens = _TOKEN.findall(text)
    cjk = sum(1 for t in tokens if _IS_CJK.match(t))
    return len(tokens) - cjk + cjk // 2


def script_of(language: str) -> set[str]:
    return _LANGUAGE_SCRIPTS.get(language.strip().lower(), {"latin"})


def gates(summary: str, paper: str, *, min_words: int, min_sections: int, language: str = "English") -> list[Check]:
    """Every deterministic gate, passed or not, in a fixed order."""
    return [
        _word_count(summary, min_words),
        _title(summary),
        _tldr(summary),
        _language(summary, language),
        _sections(summary, min_sections),
        _subsections(summary),
        _empty_sections(summary),
        _wrapper_tags(summary),
        _verbatim(summary, paper),
        _repetition(summary),
    ]


def _check(name: str, problem: str) -> Check:
    return Check(name=name, passed=not problem, detail=problem or "ok")


def _headings(summary: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of each markdown heading."""
    out = []
    for i, line in enumerate(summary.splitlines()):
        match = _HEADING.match(line.strip())
        if match:
            out.append((i, len(match.group(1)), line.strip()))
    return out


def _word_count(summary: str, min_words: int) -> Check:
    n = word_count(re.sub(r"^#+\s*", "", summary, flags=re.MULTILINE))
    return _check("word_count", "" if n >= min_words else f"{n} words, needs at least {min_words}")


def tldr_of(summary: str) -> str:
    """The one-sentence TL;DR right after the title, without its label; '' when there is none."""
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    if len(lines) > 1 and lines[1].startswith(TLDR):
        return lines[1][len(TLDR) :].strip()
    return ""


def _tldr(summary: str) -> Check:
    text = tldr_of(summary)
    if not text:
        return _check("tldr", f"no '{TLDR}' line right after the title")
    if len([s for s in _SENTENCE_END.split(text) if s.strip()]) > 1:
        return _check("tldr", "the TL;DR must be one sentence")
    n = word_count(text)
    return _check("tldr", "" if n <= MAX_TLDR_WORDS else f"the TL;DR has {n} words, at most {MAX_TLDR_WORDS}")


def _language(summary: str, language: str) -> Check:
    """The summary is in the script of the language asked for; English and other Latin-script
    languages are told apart by the share of common English words."""
    text = re.sub(r"`[^`]*`|\*\*TL;DR:\*\*", "", summary)
    counts = {name: len(pattern.findall(text)) for name, pattern in SCRIPTS.items()}
    letters = sum(counts.values())
    if not letters:
        return _check("language", "")
    expected = script_of(language)
    share = sum(counts[name] for name in expected) / letters
    if share < 0.5:
        found = max(counts, key=lambda name: counts[name])
        return _check("language", f"it is not written in {language} (mostly {found} script)")
    if expected == {"latin"}:
        tokens = words(text)
        english = sum(1 for t in tokens if t in _ENGLISH) / max(1, len(tokens))
        is_english = language.strip().lower() == "english"
        if is_english and english < 0.04:
            return _check("language", "it does not read as English")
        if not is_english and english > 0.15:
            return _check("language", f"it reads as English, not {language}")
    return _check("language", "")


def _title(summary: str) -> Check:
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    titles = [h for h in _headings(summary) if h[1] == 1]
    if not lines or not re.match(r"#\s+\S", lines[0]):
        return _check("title", "the first line must be a single '# ' title")
    if len(titles) > 1:
        return _check("title", f"{len(titles)} '# ' titles; use one title and '##' sections")
    return _check("title", "")


def _sections(summary: str, min_sections: int) -> Check:
    n = sum(1 for h in _headings(summary) if h[1] in (2, 3))
    if n >= min_sections:
        return _check("sections", "")
    if n == 0:
        return _check("sections", f"no section headings; add at least {min_sections} '##' sections")
    return _check("sections", f"{n} section headings, needs at least {min_sections}")


def _subsections(summary: str) -> Check:
    """The seed's criterion asks for headings and subheadings: a `###` under some `##`."""
    levels = [level for _, level, _ in _headings(summary)]
    nested = any(level == 3 and 2 in levels[:i] for i, level in enumerate(levels))
    return _check("subsections", "" if nested else "no '###' subsection under a '##' section; add at least one")


def _empty_sections(summary: str) -> Check:
    lines = summary.splitlines()
    heads = _headings(summary)
    empty = []
    for n, (i, level, text) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        body = [
            line for k, line in enumerate(lines[i + 1 : end], i + 1)
            if line.strip() and not any(k == j for j, _, _ in heads)
        ]  # fmt: skip
        if not body:
            empty.append(text)
    return _check("empty_sections", "empty sections: " + "; ".join(empty) if empty else "")


def _wrapper_tags(summary: str) -> Check:
    tags = sorted({m.group(0) for m in WRAPPER_TAGS.finditer(summary)})
    return _check("wrapper_tags", "leftover tags: " + " ".join(tags) if tags else "")


def _verbatim(summary: str, paper: str) -> Check:
    tokens = words(summary)
    cjk = sum(1 for t in tokens if _IS_CJK.match(t))
    limit = MAX_VERBATIM_WORDS * (2 if cjk > len(tokens) / 2 else 1)  # a CJK token is half a word
    run = longest_shared_run(tokens, words(paper), limit + 1)
    if len(run) <= limit:
        return _check("verbatim", "")
    quote = " ".join(run[:12])
    return _check(
        "verbatim",
        f'copies {len(run)} consecutive words from the paper ("{quote} …"); say it in your own words',
    )


def longest_shared_run(a: list[str], b: list[str], k: int) -> list[str]:
    """The longest run of words of `a` that also stands in `b`, if it is at least k long."""
    if len(a) < k or len(b) < k:
        return []
    seen = {tuple(b[i : i + k]) for i in range(len(b) - k + 1)}
    best: list[str] = []
    i = 0
    while i <= len(a) - k:
        if tuple(a[i : i + k]) in seen:
            j = i + k
            # Grow while the next window is also in the paper (a run, not exact contiguity
            # in b, which is close enough for a gate whose threshold is 40 words).
            while j < len(a) and tuple(a[j - k + 1 : j + 1]) in seen:
                j += 1
            if j - i > len(best):
                best = a[i:j]
            i = j
        else:
            i += 1
    return best


def _repetition(summary: str) -> Check:
    sentences = [
        " ".join(words(s)) for s in re.split(r"(?<=[.!?])\s+|(?<=[。！？])|\n+", summary) if len(words(s)) >= 5
    ]
    repeated = [s for s, n in Counter(sentences).items() if n > 1]
    if repeated:
        return _check("repetition", f'repeats a sentence or line: "{repeated[0][:80]}"')
    tokens = words(summary)
    trigrams = list(zip(tokens, tokens[1:], tokens[2:], strict=False))
    if len(trigrams) >= 60:
        ratio = len(set(trigrams)) / len(trigrams)
        if ratio < MIN_DISTINCT_TRIGRAMS:
            return _check("repetition", f"repetitive text: only {ratio:.0%} distinct word triples")
    return _check("repetition", "")


# --- grounding: numbers must come from the paper -------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>%|×|x\b|percent\b|times\b|[kKMB]\b|billion\b|million\b))?"
    r"(?:\s+(?P<word>[A-Za-z][A-Za-z\-]{2,}))?"
)
_UNIT_CLASS = {"%": "%", "percent": "%", "×": "×", "x": "×", "times": "×"}
_STOP = {"and", "the", "for", "with", "from", "than", "that", "was", "were", "are", "which"}


def _normal(num: str) -> str:
    num = num.replace(",", "")
    return num.rstrip("0").rstrip(".") if "." in num else num


def grounding(summary: str, paper: str) -> list[NumberCheck]:
    """Each number the summary states, and whether the paper states it with the same unit."""
    paper_hits: dict[str, list[tuple[str, str, int]]] = {}
    for m in _NUMBER.finditer(paper):
        unit = _UNIT_CLASS.get((m.group("unit") or "").lower(), "")
        paper_hits.setdefault(_normal(m.group("num")), []).append((unit, "", m.start()))
    low_paper = paper.lower()
    results: list[NumberCheck] = []
    for line in summary.splitlines():
        if line.lstrip().startswith("#"):
            continue  # heading numbers are section numbering, not claims
        for m in _NUMBER.finditer(line):
            num, raw_unit = m.group("num"), (m.group("unit") or "")
            unit = _UNIT_CLASS.get(raw_unit.lower(), "")
            if not unit and len(num.replace(",", "").replace(".", "")) < 2:
                continue  # "3 sections", "2 models": too common to check usefully
            word = (m.group("word") or "").lower()
            hits = [h for h in paper_hits.get(_normal(num), []) if not unit or h[0] == unit]
            if hits and word and word not in _STOP and not unit:
                stem = word[:5]
                hits = [h for h in hits if stem in low_paper[max(0, h[2] - 80) : h[2] + 80]]
            results.append(NumberCheck(number=num + raw_unit, context=m.group(0).strip(), found=bool(hits)))
    return results
