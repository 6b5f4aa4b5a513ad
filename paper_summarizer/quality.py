"""Checks that code can make better than any judge: counted, not opined. Pure functions of text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from typing import Any

from paper_summarizer import evidence, reading
from paper_summarizer.state import Check, NumberCheck

MAX_VERBATIM_WORDS = 40
MIN_DISTINCT_TRIGRAMS = 0.5
MAX_TLDR_WORDS = 40
MIN_SECTION_WORDS = 5  # fewer words of letters in a section's prose: empty ("TBD.", "...")
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
TLDR = "**TL;DR:**"
WRAPPER_TAGS = re.compile(r"</?\s*(RESPONSE|think|summary|paper)\s*>", re.IGNORECASE)
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


def gates(
    summary: str, paper: str, *, min_words: int, min_sections: int, language: str = "English", paper_title: str = ""
) -> list[Check]:
    """Every deterministic gate, passed or not, in a fixed order."""
    return assess(
        summary, paper, min_words=min_words, min_sections=min_sections, language=language, paper_title=paper_title
    )[0]


def assess(
    summary: str, paper: str, *, min_words: int, min_sections: int, language: str = "English", paper_title: str = ""
) -> tuple[list[Check], list[NumberCheck]]:
    """(every gate, passed or not, in a fixed order; each number the summary states, with
    whether its sentence's evidence in the paper states it). The gates read the summary as a
    reader sees it (rendered markdown), never its source."""
    view = reading.render(summary)
    latin = script_of(language) == {"latin"}
    numbers = _grounding(view, paper, language)
    checks = [
        _word_count(view, min_words),
        _title(view),
        _tldr(view),
        _language(view, language),
        _sections(view, min_sections),
        _subsections(view),
        _empty_sections(view),
        _wrapper_tags(summary),
        _markup(view),
        _verbatim(view, paper, latin),
        _repetition(view, latin),
        _numbers(numbers),
    ]
    if paper:
        checks += about_this_paper(view, paper, paper_title, language)
    return checks, numbers


def check(name: str, problem: str) -> Check:
    """A gate's outcome: passed when there is no problem to tell the writer."""
    return Check(name=name, passed=not problem, detail=problem or "ok")


def _word_count(view: reading.Rendered, min_words: int) -> Check:
    n = word_count(view.text())
    return check("word_count", "" if n >= min_words else f"{n} words, needs at least {min_words}")


def tldr_of(summary: str) -> str:
    """The one-sentence TL;DR right after the title, without its label; '' when there is none."""
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    if len(lines) > 1 and lines[1].startswith(TLDR):
        return lines[1][len(TLDR) :].strip()
    return ""


def _tldr(view: reading.Rendered) -> Check:
    blocks = view.blocks
    label = TLDR.strip("*")
    if len(blocks) < 2 or blocks[1].kind != reading.PARAGRAPH or not blocks[1].text.startswith(label):
        return check("tldr", f"no '{TLDR}' line right after the title")
    text = blocks[1].text[len(label) :].strip()
    if len([s for s in _SENTENCE_END.split(text) if s.strip()]) > 1:
        return check("tldr", "the TL;DR must be one sentence")
    n = word_count(text)
    return check("tldr", "" if n <= MAX_TLDR_WORDS else f"the TL;DR has {n} words, at most {MAX_TLDR_WORDS}")


def _language(view: reading.Rendered, language: str) -> Check:
    """The summary is in the script of the language asked for; English and other Latin-script
    languages are told apart by the share of common English words; and sentence by sentence, a
    language detector finds no run of sentences in another language."""
    text = re.sub(r"`[^`]*`|TL;DR:", "", view.text())
    counts = {name: len(pattern.findall(text)) for name, pattern in SCRIPTS.items()}
    letters = sum(counts.values())
    if not letters:
        return check("language", "")
    expected = script_of(language)
    share = sum(counts[name] for name in expected) / letters
    if share < 0.5:
        found = max(counts, key=lambda name: counts[name])
        return check("language", f"it is not written in {language} (mostly {found} script)")
    if expected == {"latin"}:
        tokens = words(text)
        english = sum(1 for t in tokens if t in _ENGLISH) / max(1, len(tokens))
        is_english = language.strip().lower() == "english"
        if is_english and english < 0.04:
            return check("language", "it does not read as English")
        if not is_english and english > 0.15:
            return check("language", f"it reads as English, not {language}")
    return check("language", _foreign_sentences(view, language))


# Sentences in another language than the summary's, beyond this share (and at least 2 of them),
# fail the language gate; shorter sentences are too short to tell.
MAX_FOREIGN_SHARE, MIN_DETECTED_WORDS = 0.1, 8
_LANGID_CODES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it", "portuguese": "pt",
    "dutch": "nl", "danish": "da", "swedish": "sv", "norwegian": "no", "polish": "pl", "czech": "cs",
    "russian": "ru", "ukrainian": "uk", "chinese": "zh", "japanese": "ja", "korean": "ko", "turkish": "tr",
}  # fmt: skip


def _foreign_sentences(view: reading.Rendered, language: str) -> str:
    code = _LANGID_CODES.get(language.strip().lower())
    if not code:
        return ""
    sentences = [s for b in view.prose for s in evidence.sentences(b.text) if len(words(s)) >= MIN_DETECTED_WORDS]
    foreign = [(s, found) for s in sentences if (found := _detect(s)) != code]
    if len(foreign) >= 2 and len(foreign) > MAX_FOREIGN_SHARE * len(sentences):
        sentence, found = foreign[0]
        return (
            f"{len(foreign)} of {len(sentences)} sentences are not in {language} (the first, in '{found}': "
            f'"{sentence[:80]}"); write every sentence in {language}'
        )
    return ""


def _detect(text: str) -> str:
    return str(_language_identifier().classify(text)[0])


@functools.cache
def _language_identifier() -> Any:
    """py3langid (BSD, its model in the wheel), kept to the languages a summary is asked in:
    over all 97 it takes a sentence full of technical terms for Latin or Malay."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(sorted(set(_LANGID_CODES.values())))
    return identifier


def _title(view: reading.Rendered) -> Check:
    titles = [h for h in view.headings if h.level == 1]
    if not view.blocks or view.blocks[0].kind != reading.HEADING or view.blocks[0].level != 1:
        return check("title", "the first line must be a single '# ' title")
    if len(titles) > 1:
        return check("title", f"{len(titles)} '# ' titles; use one title and '##' sections")
    return check("title", "")


def _sections(view: reading.Rendered, min_sections: int) -> Check:
    n = sum(1 for h in view.headings if h.level in (2, 3))
    if n >= min_sections:
        return check("sections", "")
    if n == 0:
        return check("sections", f"no section headings; add at least {min_sections} '##' sections")
    return check("sections", f"{n} section headings, needs at least {min_sections}")


def _subsections(view: reading.Rendered) -> Check:
    """The seed's criterion asks for headings and subheadings: a `###` under some `##`."""
    levels = [h.level for h in view.headings]
    nested = any(level == 3 and 2 in levels[:i] for i, level in enumerate(levels))
    return check("subsections", "" if nested else "no '###' subsection under a '##' section; add at least one")


def _empty_sections(view: reading.Rendered) -> Check:
    """A section whose prose (its subsections' included) is under MIN_SECTION_WORDS words of
    letters: empty, "TBD." or "..."; code does not count."""
    blocks = view.blocks
    empty = []
    for n, block in enumerate(blocks):
        if block.kind != reading.HEADING or block.level == 1:
            continue
        end = next((k for k in range(n + 1, len(blocks)) if blocks[k].kind == reading.HEADING
                    and blocks[k].level <= block.level), len(blocks))  # fmt: skip
        body = " ".join(b.text for b in blocks[n + 1 : end] if b.kind == reading.PARAGRAPH)
        if len(_LETTER_WORD.findall(body)) < MIN_SECTION_WORDS:
            empty.append("#" * block.level + " " + block.text)
    return check("empty_sections", "empty sections: " + "; ".join(empty) if empty else "")


def _wrapper_tags(summary: str) -> Check:
    tags = sorted({m.group(0) for m in WRAPPER_TAGS.finditer(summary)})
    return check("wrapper_tags", "leftover tags: " + " ".join(tags) if tags else "")


def _markup(view: reading.Rendered) -> Check:
    if not view.html:
        return check("markup", "")
    first = re.sub(r"\s+", " ", view.html[0])[:60]
    return check(
        "markup",
        f"raw HTML or an HTML comment ({first!r}): a reader does not see it, so it may not carry text; remove it",
    )


def _verbatim(view: reading.Rendered, paper: str, latin: bool) -> Check:
    tokens = words(reading.plain(view.text(), latin=latin))
    cjk = sum(1 for t in tokens if _IS_CJK.match(t))
    limit = MAX_VERBATIM_WORDS * (2 if cjk > len(tokens) / 2 else 1)  # a CJK token is half a word
    run = longest_shared_run(tokens, _paper_words(paper), limit + 1)
    if len(run) > limit:
        quote = " ".join(run[:12])
        return check(
            "verbatim",
            f'copies {len(run)} consecutive words from the paper ("{quote} …"); say it in your own words',
        )
    covered, start = _copied_window(tokens, _paper_grams(paper))
    if covered >= COPIED_IN_WINDOW:
        quote = " ".join(tokens[start : start + 12])
        return check(
            "verbatim",
            f'copies the paper with a few words changed ({covered} of {COPY_WINDOW} words from it, "{quote} …"); '
            "say it in your own words",
        )
    return check("verbatim", "")


# A copy with a word changed here and there: in some COPY_WINDOW words of the summary, at least
# COPIED_IN_WINDOW lie in runs of COPY_GRAM words that stand in the paper.
COPY_WINDOW, COPIED_IN_WINDOW, COPY_GRAM = 60, 45, 8


def _copied_window(tokens: list[str], grams: frozenset[tuple[str, ...]]) -> tuple[int, int]:
    """(the most summary words in COPY_WINDOW covered by shared runs, where that window starts)."""
    covered = [False] * len(tokens)
    for i in range(len(tokens) - COPY_GRAM + 1):
        if tuple(tokens[i : i + COPY_GRAM]) in grams:
            covered[i : i + COPY_GRAM] = [True] * COPY_GRAM
    best, where, count = 0, 0, 0
    for i, flag in enumerate(covered):
        count += flag
        if i >= COPY_WINDOW:
            count -= covered[i - COPY_WINDOW]
        if count > best:
            best, where = count, max(0, i - COPY_WINDOW + 1)
    return best, where


@functools.lru_cache(maxsize=8)
def _paper_words(paper: str) -> list[str]:
    return words(reading.plain(paper))


@functools.lru_cache(maxsize=8)
def _paper_grams(paper: str) -> frozenset[tuple[str, ...]]:
    tokens = _paper_words(paper)
    return frozenset(tuple(tokens[i : i + COPY_GRAM]) for i in range(len(tokens) - COPY_GRAM + 1))


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


def _repetition(view: reading.Rendered, latin: bool) -> Check:
    summary = reading.plain("\n".join(b.text for b in view.blocks), latin=latin)
    sentences = [
        " ".join(words(s)) for s in re.split(r"(?<=[.!?])\s+|(?<=[。！？])|\n+", summary) if len(words(s)) >= 5
    ]
    repeated = [s for s, n in Counter(sentences).items() if n > 1]
    if repeated:
        return check("repetition", f'repeats a sentence or line: "{repeated[0][:80]}"')
    tokens = words(summary)
    trigrams = list(zip(tokens, tokens[1:], tokens[2:], strict=False))
    if len(trigrams) >= 60:
        ratio = len(set(trigrams)) / len(trigrams)
        if ratio < MIN_DISTINCT_TRIGRAMS:
            return check("repetition", f"repetitive text: only {ratio:.0%} distinct word triples")
    return check("repetition", "")


# --- numbers: each stated in its own sentence's evidence --------------------------------------


def grounding(summary: str, paper: str, language: str = "English") -> list[NumberCheck]:
    """Each number the summary states (titles and headings included, spelled-out ones too), and
    whether the passages of the paper that its sentence is about state it. A summary in another
    language than the paper's cannot be matched word for word: there a number counts as stated
    when the paper states it anywhere."""
    return _grounding(reading.render(summary), paper, language)


def _grounding(view: reading.Rendered, paper: str, language: str) -> list[NumberCheck]:
    index = evidence.index(paper)
    same_language = _same_language(paper, language)
    whole = [evidence.Passage("", paper)]
    results: list[NumberCheck] = []
    for block in view.prose:
        for sentence in evidence.sentences(block.text):
            stated = evidence.numbers(sentence, language, claims=True)
            if not stated:
                continue
            passages = index.evidence(sentence) if same_language else whole
            for number in stated:
                # A sentence may state several facts: the words around the number find its own
                # passages too.
                own = index.evidence(evidence.around(sentence, number, language)) if same_language else []
                rare = index.holding(number) if same_language else []
                found = evidence.supported(number, sentence, passages + own, rare, language)
                results.append(NumberCheck(number=number.shown, context=sentence, found=found))
    return results


def _numbers(numbers: list[NumberCheck]) -> Check:
    missing = [n for n in numbers if not n["found"]]
    if not missing:
        return check("numbers", "")
    shown = "; ".join(f'{n["number"]} in "{n["context"][:120]}"' for n in missing[:4])
    return check(
        "numbers",
        f"{len(missing)} number(s) not stated where the paper discusses what the sentence says: {shown}. "
        "Correct each such sentence from the paper, or remove it",
    )


def _same_language(paper: str, language: str) -> bool:
    return _LANGID_CODES.get(language.strip().lower(), "") == _paper_language(paper)


@functools.lru_cache(maxsize=8)
def _paper_language(paper: str) -> str:
    return _detect(paper[:5000]) if paper.strip() else "en"


# --- about this paper -----------------------------------------------------------------------------

# Words that carry no topic. Short words are left out anyway (under 4 letters).
_COMMON_WORDS = (
    "about above after again also although among another because been before being below between both "
    "could does doing down during each either even every first from further have having here however "
    "into itself just less more most much must neither only other over same should since some such than "
    "that their them then there these they this those through thus under until very were what when where "
    "which while whom whose will with within without would your paper papers authors author summary "
    "study work show shows shown find finds found result results approach method methods propose proposes "
    "proposed present presents describe describes main well used uses using based make makes made "
    "new important many several"
)
_COMMON = set(_COMMON_WORDS.split())
# Capitalized words a summary may use that no paper needs to contain.
_GENERIC_CAPITALIZED = {
    "TL", "DR", "I", "English", "Why", "What", "How", "When", "Where", "Which", "Who", "However", "Although",
    "Because", "Section", "Figure", "Table", "Appendix", "Overall", "Finally", "First", "Second", "Third",
}  # fmt: skip
MIN_ON_TOPIC = 0.6  # share of the summary's content words that occur in the paper
MAX_FILLER = 0.25  # share of the summary's words in sentences not about the paper
MIN_SENTENCE_ON_TOPIC = 0.5  # a sentence with a smaller share of its content words in the paper is filler
MIN_SENTENCE_IN_ONE_PASSAGE = 0.3  # ...or with a smaller share of them in any one passage of it
MIN_COVERAGE = 0.5  # share of the abstract's key numbers and key terms the summary carries


def about_this_paper(view: reading.Rendered, paper: str, paper_title: str, language: str) -> list[Check]:
    """Checks that the summary is of this paper: its title, its words, its names, its results.
    When it is in another language than the paper, only what does not translate is compared:
    the names (numbers are checked by `grounding`)."""
    if not _same_language(paper, language):
        return [_names(view, paper)]
    return [
        _title_names_paper(view, paper, paper_title),
        _on_topic(view, paper),
        _names(view, paper),
        _filler(view, paper),
        _coverage(view, paper),
    ]


def _content_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) >= 4 and w.isalpha() and w not in _COMMON]


def _stem(word: str) -> str:
    return word[:6]


@functools.lru_cache(maxsize=8)
def _paper_stems(paper: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _paper_words(paper))


@functools.lru_cache(maxsize=8)
def _passage_stems(paper: str) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(_stem(w) for w in _content_words(reading.plain(f"{p.section} {p.text}")))
        for p in evidence.passages(paper)
    )


def _title_names_paper(view: reading.Rendered, paper: str, paper_title: str) -> Check:
    """Most of the summary title's content words are in the paper's title, or in its opening
    words, where the title stands (a converter may take a running header for the title)."""
    if not view.blocks or view.blocks[0].level != 1:
        return check("title_names_paper", "")
    title = view.blocks[0].text
    asked = {_stem(w) for w in _content_words(reading.plain(title))}
    opening = {_stem(w) for w in _content_words(reading.plain(paper_title + " " + " ".join(paper.split()[:80])))}
    if not asked or len(asked & opening) >= len(asked) / 2:
        return check("title_names_paper", "")
    return check(
        "title_names_paper",
        f"the title {title!r} does not name this paper ({paper_title!r}); use the paper's own title words",
    )


def _on_topic(view: reading.Rendered, paper: str) -> Check:
    content = _content_words(reading.plain(view.text()))
    if len(content) < 20:
        return check("on_topic", "")
    stems = _paper_stems(paper)
    share = sum(1 for w in content if _stem(w) in stems) / len(content)
    if share >= MIN_ON_TOPIC:
        return check("on_topic", "")
    return check(
        "on_topic",
        f"only {share:.0%} of the summary's content words occur in the paper: it is not a summary of this paper",
    )


_NAME = re.compile(r"(?<![\w.])([A-Z][\w]*(?:[-'][A-Z][\w]*)?)(?![\w])")


def _names(view: reading.Rendered, paper: str) -> Check:
    """Capitalized words inside sentences (people, places, venues, systems) must occur in the
    paper: an invented author, venue or affiliation fails."""
    plain_paper = _folded(paper)
    missing: list[str] = []
    for block in view.prose:
        if block.kind == reading.HEADING:
            continue
        for sentence in evidence.sentences(re.sub(r"^TL;DR:\s*", "", block.text)):
            for m in _NAME.finditer(sentence):
                name = m.group(1)
                if m.start() == 0 or name in _GENERIC_CAPITALIZED or name in missing:
                    continue
                folded = _folded(name).strip()
                # A PDF may garble a name's accents ("Lemaˆı ˆıtre"): its first letters will do.
                if folded not in plain_paper and (len(folded) < 5 or f" {folded[:5]}" not in plain_paper):
                    missing.append(name)
    if not missing:
        return check("names", "")
    return check(
        "names",
        f"names not in the paper: {', '.join(missing[:6])}; name only the people, places, venues and "
        "systems the paper names",
    )


@functools.lru_cache(maxsize=16)
def _folded(text: str) -> str:
    """Lower case without accents, however a PDF set them ("Lemaˆıtre" is "Lemaître")."""
    decomposed = unicodedata.normalize("NFKD", reading.plain(text)).replace("ı", "i")
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Sk", "Lm")).lower()
    return " " + re.sub(r"[^\w]+", " ", kept)


def _filler(view: reading.Rendered, paper: str) -> Check:
    """Sentences not about the paper are generic filler, not findings: few of their words are in
    the paper, or those that are lie scattered over it. A long paper holds most everyday words
    somewhere ("people", "future", "steps"); a sentence about it shares its words with a passage."""
    stems, passages = _paper_stems(paper), _passage_stems(paper)
    total = filler = 0
    example = ""
    for block in view.prose:
        if block.kind == reading.HEADING:
            continue
        for sentence in evidence.sentences(block.text):
            n = len(words(sentence))
            total += n
            content = {_stem(w) for w in _content_words(reading.plain(sentence))}
            if len(content) >= 3 and (
                len(content & stems) / len(content) < MIN_SENTENCE_ON_TOPIC
                or max((len(content & p) for p in passages), default=0) / len(content) < MIN_SENTENCE_IN_ONE_PASSAGE
            ):
                filler += n
                example = example or sentence
    if total and filler / total > MAX_FILLER:
        return check(
            "filler",
            f'{filler} of {total} words are in sentences not about the paper (e.g. "{example[:80]}"); '
            "replace them with what the paper did and found",
        )
    return check("filler", "")


def _coverage(view: reading.Rendered, paper: str) -> Check:
    """The summary carries most of the abstract's key numbers and key terms, and some of the
    paper's measured values when it reports any: findings, not their absence."""
    measured = _measured(paper)
    if measured >= MIN_MEASURED and not any(
        n.unit or "." in n.value for n in evidence.numbers(view.text(), claims=True)
    ):
        return check(
            "coverage",
            f"states none of the paper's results: the paper reports {measured} measured values (percentages, "
            "ratios, scores); give its main results with their numbers",
        )
    keys = _abstract_keys(paper)
    if keys is None:
        return check("coverage", "")
    numbers, terms = keys
    text = reading.plain(view.text())
    missing: list[str] = []
    if len(numbers) >= 2:
        stated = {n.value for n in evidence.numbers(text)}
        absent = [n for n in numbers if n not in stated]
        if len(absent) > (1 - MIN_COVERAGE) * len(numbers):
            missing.append("its numbers " + ", ".join(absent[:6]))
    stems = {_stem(w) for w in words(text)}
    absent_terms = [t for t in terms if _stem(t) not in stems]
    if len(absent_terms) > (1 - MIN_COVERAGE) * len(terms):
        missing.append("its terms " + ", ".join(absent_terms[:6]))
    if not missing:
        return check("coverage", "")
    return check("coverage", "leaves out most of the abstract's key results (" + "; ".join(missing) + ")")


MIN_MEASURED = 5  # a paper with this many percentages, ratios or decimals reports results


@functools.lru_cache(maxsize=8)
def _measured(paper: str) -> int:
    return sum(1 for n in evidence.numbers(paper) if n.unit or "." in n.value)


_ABSTRACT = re.compile(
    r"(?:^#+\s*abstract\b[^\n]*\n|^\s*(?:abstract|ABSTRACT)\b[.:—-]?\s*)(?P<text>.*?)(?=^#|\n\s*\n|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


@functools.lru_cache(maxsize=8)
def _abstract_keys(paper: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(the abstract's result numbers, its 8 content words most frequent across the paper), or
    None for a paper without a recognisable abstract. Result numbers: percentages, multiples,
    decimals and counts of 10 or more, not years (small integers are list and affiliation marks)."""
    match = _ABSTRACT.search(paper)
    if not match or len(match.group("text").split()) < 15:
        return None
    abstract = match.group("text")
    numbers = tuple(
        dict.fromkeys(
            n.value for n in evidence.numbers(abstract)
            if (n.unit or "." in n.value or float(n.value) >= 10) and not n.value.startswith("0")
            and not _is_year(n.value)
        )
    )  # fmt: skip
    paper_counts = Counter(_stem(w) for w in _content_words(paper))
    candidates = dict.fromkeys(_content_words(abstract))
    terms = tuple(sorted(candidates, key=lambda w: -paper_counts[_stem(w)])[:8])
    return numbers, terms


def _is_year(value: str) -> bool:
    return value.isdigit() and 1900 <= int(value) <= 2100
