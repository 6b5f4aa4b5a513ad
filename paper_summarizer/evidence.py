"""Each sentence of a summary with its evidence: the few passages of the paper that best match
it (BM25 over paragraphs that carry their section heading), and the numbers in both, spelled-out
numbers included. A number is supported only when the sentence's own evidence states it: a
number that occurs in the paper but belongs elsewhere ("55" for a result that was 31) is not,
nor one whose place in the sentence (the words and numbers beside it) the paper clearly gives
to another number.

Pure functions of text; the paper's index is built once per paper text in a process."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

EVIDENCE_PASSAGES = 5
PASSAGE_WORDS = 120  # long paragraphs are cut into windows of about this many words
# Languages text2num reads spelled-out numbers in, by the names a Context uses.
_TEXT2NUM = {
    "english": "en", "french": "fr", "spanish": "es", "portuguese": "pt", "german": "de",
    "dutch": "nl", "danish": "da", "italian": "it",
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\w])"
    r"(?:\s?(?P<unit>%|×|x\b|percent\b|per\s?cent\b|times\b|fold\b|pp\b))?"
)
_FORMAT = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe\u0002")
_FORMULA = re.compile(r"[+\-−=/^*<>]\s?$")
_ORDINAL = re.compile(r"(?<![\w.])\d+(?:st|nd|rd|th)\b")
_UNIT_CLASS = {"%": "%", "percent": "%", "per cent": "%", "percent.": "%", "×": "×", "x": "×", "times": "×"}
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[^a-z])|(?<=[。！？])")


@dataclass(frozen=True)
class Passage:
    section: str  # the heading it sits under ("" before the first)
    text: str
    start: int = 0  # where it starts in the paper's text, for its page


_SECTION_NUMBER = re.compile(r"^(?:(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3}|[IVX]{1,5})(?=\.?\s)")


@dataclass(frozen=True)
class Locator:
    """Where a passage of the paper is, as a reader finds it: its section, its page (a PDF's,
    from where the converter recorded each page starts) and, for a paper read from arXiv's
    HTML, a link to its section's anchor."""

    page_starts: tuple[int, ...] = ()
    anchors: tuple[tuple[str, str], ...] = ()  # (heading as converted, its element's id)
    url: str = ""  # the page the anchors are on

    def page(self, start: int) -> int:
        """The page (from 1) that the text at `start` is on; 0 when the paper has no pages."""
        return bisect.bisect_right(self.page_starts, start) if self.page_starts else 0

    def cite(self, section: str, start: int, *, link: bool = False) -> str:
        """ "§3.2, p. 5", "Introduction, p. 1", "p. 4"; with `link`, the section part links to
        its anchor when there is one: "[§3.2](https://arxiv.org/html/2401.01234#S3.SS2)"."""
        number = _SECTION_NUMBER.match(section)
        label = f"§{number.group(0)}" if number else section[:60]
        anchor = dict(self.anchors).get(" ".join(section.split())) if link and label else None
        if anchor and self.url:
            label = f"[{label}]({self.url.split('#')[0]}#{anchor})"
        page = self.page(start)
        return ", ".join(p for p in (label, f"p. {page}" if page else "") if p)


@dataclass(frozen=True)
class Number:
    value: str  # normalized: no thousands separators, no trailing zeros after the point
    unit: str  # "%", "×" or ""
    shown: str  # as written


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def numbers(text: str, language: str = "English", *, claims: bool = False) -> list[Number]:
    """The numbers `text` states, spelled-out ones too ("forty-two percent", "nine in ten"),
    without ordinals ("1st"). `claims`: the text is a summary's, whose formulas are not claims."""
    text = _ORDINAL.sub(" ", _digits(text, language))
    return [
        _number(m)
        for m in _NUMBER.finditer(text)
        # A summary's "K + 1", "n/2": part of a formula, not a quantity it claims.
        if not (claims and _FORMULA.search(text[max(0, m.start() - 3) : m.start()]))
    ]


def _number(m: re.Match[str]) -> Number:
    unit = re.sub(r"\s", "", (m.group("unit") or "").lower())
    return Number(_normal(m.group("num")), _UNIT_CLASS.get(unit, ""), m.group(0).strip())


def _digits(text: str, language: str) -> str:
    # Soft hyphens and other format characters split words ("pa\u00adpers") in a PDF's text.
    text = "".join(ch for ch in text if ch not in _FORMAT)
    code = _TEXT2NUM.get(language.strip().lower())
    if not code:
        return text
    from text_to_num import alpha2digit

    # threshold 2: "one" stays a word ("one of the methods"); "two" and up become numbers.
    return str(alpha2digit(text, code, threshold=2))


def _normal(num: str) -> str:
    num = num.replace(",", "")
    if num.startswith("."):
        num = "0" + num  # ".5" as statisticians write it
    return num.rstrip("0").rstrip(".") if "." in num else num


NEAR_WORDS = 6  # words on each side of a number that say what it is about
_WORD = re.compile(r"[^\W\d_]{3,}|[A-Za-z]+\d+[A-Za-z\d]*")
_FUNCTION_TEXT = (
    "the and for with from than that this was were are which has had have its into onto over about "
    "per our their his her they them these those then also only more less most each both such when while "
    "after before by of in on at to as or an be is it we"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())


def around(sentence: str, number: Number, language: str, words: int = 10) -> str:
    """The words of `sentence` around `number`: what a search for its passage should match."""
    text = _digits(sentence, language)
    for m in _NUMBER.finditer(text):
        if _normal(m.group("num")) == number.value:
            before = text[: m.start()].split()[-words:]
            after = text[m.end() :].split()[:words]
            return " ".join([*before, m.group(0), *after])
    return sentence


@functools.lru_cache(maxsize=4096)
def _passage_numbers(text: str, language: str) -> tuple[Number, ...]:
    return tuple(numbers(text, language))


def same_number(asked: Number, stated: Number) -> bool:
    """The value asked, with its unit or none (a table's column may carry the unit in its header)."""
    return stated.value == asked.value and (not asked.unit or stated.unit in (asked.unit, ""))


def _kin(a: str, b: str) -> bool:
    """Two words of one family: "fit" and "fitting", "rates" and "rated", "R2" and "r2"."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) if len(short) < 4 else short[:4] == long[:4]


def supported(
    number: Number, sentence: str, evidence: list[Passage], rare: list[Passage] | None = None, language: str = "English"
) -> bool:
    """Whether the paper states the number, with the same unit or none (a table's column may
    carry the unit in its header), about what the sentence says it is about: some word beside
    it in the paper (up to NEAR_WORDS on each side) is in the sentence. A table's cell, with no
    words beside it, counts in the sentence's own evidence, or anywhere for a number too exact
    to be a coincidence. `rare`: passages found because they state this number and few others
    do (a number in a table that no words match).

    And where the sentence puts the number, the paper does not clearly put another: see
    `_holds_its_slot`. A number swapped for another of the same paper ("a precision of 0.71"
    where the paper's precision is 0.54) shares words with the sentence somewhere, but not its
    place."""
    said = frozenset(w.lower() for w in _WORD.findall(_digits(sentence, language)) if w.lower() not in _FUNCTION_WORDS)
    # A bibliography's years, volumes and pages, and a citation's year ("(Finkel et al., 2005)"),
    # are about other papers: no number of this paper's findings rests on them.
    candidates = [p for p in dict.fromkeys([*evidence, *(rare or [])]) if not _REFERENCES.match(p.section)]
    stated = [
        (passage, beside)
        for passage in candidates
        for found, beside in _windows(_uncited(passage.text), language)
        if same_number(number, found)
    ]
    by_words = any(_overlap(said, beside) for _, beside in stated)
    in_a_cell = any(len(beside) < 2 and (passage in evidence or _exact(number)) for passage, beside in stated)
    if not (by_words or in_a_cell):
        return False
    # Each place the sentence states this value is a claim of its own ("R1 5% ... R4 5%"). A
    # number too exact to be a coincidence is where the paper put it, often a table's cell with
    # no words beside it to match. A cell alone says nothing of what its number is: any place
    # that fits the sentence somewhat overrules it.
    clear = CLEAR_FIT if by_words else CLEAR_FIT / 2
    return (_exact(number) and in_a_cell) or all(
        _holds_its_slot(asked, candidates, language, clear)
        for asked in _slots(sentence, language, claims=True)
        if same_number(number, asked.number)
    )


_REFERENCES = re.compile(r"(?:\d+\.?\s*)?(?:references|bibliography|literature cited)\b", re.IGNORECASE)
_CITED = re.compile(r"\((?:[^()]*?\b[A-Z][\w'’-]+(?: et al\.?,?|,)\s+(?:19|20)\d{2}[a-z]?\b[^()]*?)\)")


@functools.lru_cache(maxsize=4096)
def _uncited(text: str) -> str:
    """The passage without its author-year citations: "(Finkel et al., 2005)", "(Lee, 2010; ...)"."""
    return _CITED.sub(" ", text)


def _exact(number: Number) -> bool:
    """A number with five significant digits or more (0.4997107): no coincidence in a paper."""
    return len(number.value.replace(".", "").lstrip("0")) >= 5


def _overlap(a: frozenset[str], b: frozenset[str]) -> int:
    return sum(1 for x in a if any(_kin(x, y) for y in b))


@functools.lru_cache(maxsize=4096)
def _windows(text: str, language: str) -> tuple[tuple[Number, frozenset[str]], ...]:
    """Each number `text` states, with the content words beside it (up to NEAR_WORDS a side)."""
    digits = _ORDINAL.sub(" ", _digits(text, language))
    return tuple((_number(m), _words_beside(digits, m)) for m in _NUMBER.finditer(digits))


def _words_beside(text: str, m: re.Match[str]) -> frozenset[str]:
    before = _WORD.findall(text[max(0, m.start() - 80) : m.start()])[-NEAR_WORDS:]
    after = _WORD.findall(text[m.end() : m.end() + 80])[:NEAR_WORDS]
    return frozenset(w.lower() for w in before + after if w.lower() not in _FUNCTION_WORDS)


# --- slots: a number with the words that say what it is ----------------------------------------------

SLOT_WORDS = 10  # words on each side of a summary's number that may say what it is
PAPER_SLOT_WORDS = 12  # in the paper, a little wider: its phrasing differs, and tables put labels further off
CLEAR_FIT = 0.5  # a rival slot fits at least this well: a label word right beside the number, or a few near it
_TOKEN = re.compile(r"\S+")
_CITATION = re.compile(r"\[[\d,;\s–-]+\]")  # "[21]", "[3, 7]": a reference, not a quantity


@dataclass(frozen=True)
class Slot:
    """A number where it stands: each word and other number (as "#0.54") near it, with its
    distance in words; a word that stands more than once keeps its nearest distance."""

    number: Number
    context: tuple[tuple[str, int], ...]


@functools.lru_cache(maxsize=8192)
def _slots(text: str, language: str, reach: int = SLOT_WORDS, *, claims: bool = False) -> tuple[Slot, ...]:
    """Each number `text` states, with the words and numbers within `reach` words of it.
    `claims`: as in `numbers`, a summary's formula ("K + 1") is no slot, though its numbers
    stay beside the others."""
    text = _CITATION.sub(lambda m: " " * len(m.group(0)), _ORDINAL.sub(" ", _digits(text, language)))
    tokens = list(_TOKEN.finditer(text))
    starts = [t.start() for t in tokens]
    matches = list(_NUMBER.finditer(text))
    found = [(_number(m), bisect.bisect_right(starts, m.start()) - 1) for m in matches]
    formula = [claims and bool(_FORMULA.search(text[max(0, m.start() - 3) : m.start()])) for m in matches]
    words = [
        (word.lower(), i)
        for i, token in enumerate(tokens)
        for word in _WORD.findall(token.group(0))
        if word.lower() not in _FUNCTION_WORDS
    ]
    slots = []
    for (number, at), in_formula in zip(found, formula, strict=True):
        if in_formula:
            continue
        near: dict[str, int] = {}
        # Numbers beside it say what it is in a list or a range ("100, 200 and 300 nodes").
        beside = [(word, i) for word, i in words] + [("#" + n.value, i) for n, i in found if n.value != number.value]
        for key, i in beside:
            distance = max(1, abs(i - at))  # a word in the number's own token ("R2=19%") is right beside it
            if distance <= reach:
                near[key] = min(distance, near.get(key, distance))
        slots.append(Slot(number, tuple(near.items())))
    return tuple(slots)


def _summary_weight(distance: int) -> float:
    """The nearest words of the summary's sentence say most about its number."""
    return 1.0 / distance


def _paper_weight(distance: int) -> float:
    """In the paper, a label a few words off still names the number ("RMS error for this fit is .027")."""
    return 1.0 / (1 + (distance - 1) / 3)


def _kin_keys(word: str) -> tuple[str, ...]:
    """Keys under which `word` finds each of its kin in a `_placed` table (see `_kin`: two
    words match on their first min(len, 4) letters)."""
    if word.startswith("#"):
        return (word,)
    whole = ("f" + word[:4],) if len(word) >= 4 else ("p" + word,)
    return whole + tuple("s" + word[:k] for k in range(1, min(len(word), 4)))


@functools.lru_cache(maxsize=8192)
def _placed(slot: Slot) -> dict[str, float]:
    """`slot`'s words as a table from kin key to how near the word stands, for `_fit`."""
    table: dict[str, float] = {}

    def put(key: str, weight: float) -> None:
        table[key] = max(weight, table.get(key, 0.0))

    for word, distance in slot.context:
        weight = _paper_weight(distance)
        if word.startswith("#"):
            put(word, weight)
            continue
        for k in range(1, min(len(word), 3) + 1):
            put("p" + word[:k], weight)  # a short word of the summary finds it by its start
        put("f" + word[:4] if len(word) >= 4 else "s" + word, weight)
    return table


def _fit(asked: Slot, stated: Slot) -> float:
    """How well a paper's number's place matches the summary's: each word near the summary's
    number, weighted by its nearness there, times how near its kin stands to the paper's."""
    table = _placed(stated)
    return sum(weight * max(table.get(key, 0.0) for key in keys) for weight, keys in _wanted(asked))


@functools.lru_cache(maxsize=8192)
def _wanted(asked: Slot) -> tuple[tuple[float, tuple[str, ...]], ...]:
    return tuple((_summary_weight(distance), _kin_keys(word)) for word, distance in asked.context)


def _holds_its_slot(asked: Slot, candidates: list[Passage], language: str, clear: float = CLEAR_FIT) -> bool:
    """Whether the sentence's number `asked` is the one the paper states in its place: false
    when another value's place in the candidate passages fits the sentence clearly better
    (twice as well, and CLEAR_FIT at least) than any of this value's, and no place of this value
    has even the sentence's nearest word beside it. A paraphrase that shares few words with the
    paper fits nothing clearly and keeps the looser test."""
    same = rival = 0.0
    places = []
    for passage in candidates:
        for stated in _slots(passage.text, language, PAPER_SLOT_WORDS):
            fit = _fit(asked, stated)
            if same_number(asked.number, stated.number):
                same = max(same, fit)
                places.append(stated)
            else:
                rival = max(rival, fit)
    if rival < clear or same >= rival / 2:
        return True
    nearest = min((distance for _, distance in asked.context), default=0)
    labels = [Slot(asked.number, ((word, distance),)) for word, distance in asked.context if distance == nearest]
    return any(_fit(label, place) > 0 for label in labels for place in places)


class Index:
    """The paper's passages, searchable by BM25."""

    def __init__(self, paper: str) -> None:
        import bm25s

        self.passages = passages(paper)
        self.retriever = bm25s.BM25()
        if self.passages:
            texts = [f"{p.section} {p.text}" for p in self.passages]
            tokens = bm25s.tokenize(texts, stopwords="en", show_progress=False)
            self.retriever.index(tokens, show_progress=False)

    def holding(self, number: Number, most: int = 3) -> list[Passage]:
        """The passages that state `number`, when at most `most` do: a number that specific is
        found where it stands, even in a table that no words match."""
        found = [
            p for p in self.passages
            if any(n.value == number.value and n.unit == number.unit for n in _passage_numbers(p.text, "English"))
        ]  # fmt: skip
        return found if len(found) <= most else []

    def evidence(self, sentence: str, k: int = EVIDENCE_PASSAGES) -> list[Passage]:
        import bm25s

        if not self.passages:
            return []
        query = bm25s.tokenize([sentence], stopwords="en", show_progress=False)
        if not query.vocab:
            return []
        k = min(k, len(self.passages))
        found, scores = self.retriever.retrieve(query, k=k, show_progress=False)
        return [self.passages[int(i)] for i, score in zip(found[0], scores[0], strict=True) if score > 0]


@functools.lru_cache(maxsize=8)
def index(paper: str) -> Index:
    """The paper's index, built once per text in this process (each round judges the same paper)."""
    return Index(paper)


def passages(paper: str) -> list[Passage]:
    """Paragraphs of the paper's markdown, each with its section heading and where it starts;
    long ones in windows."""
    out: list[Passage] = []
    section = ""
    for found in re.finditer(r"\S(?:.|\n(?!\s*\n))*", paper):
        block, offset = found.group(0), found.start()
        if block.startswith("#"):
            heading, _, rest = block.partition("\n")
            section = heading.lstrip("#").strip()
            if not rest.strip():
                continue
            offset += len(heading) + 1
            block = rest
        tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", block)]
        for start in range(0, len(tokens), PASSAGE_WORDS):
            # Windows overlap by a sixth, so a sentence cut at a window's edge is whole in one.
            window = tokens[max(0, start - PASSAGE_WORDS // 6) : start + PASSAGE_WORDS]
            out.append(Passage(section, " ".join(t for t, _ in window), offset + window[0][1]))
    return out
