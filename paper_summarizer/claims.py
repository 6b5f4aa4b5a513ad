"""A summary checked claim by claim: each sentence a reader sees, with the passages of the paper
that best match it; what the fact-checking judge answered for it; the paper's key facts, and
which of them the summary conveys; and the sources each paragraph ends with, written by code
from the evidence of its supported sentences, never by a model.

Pure functions of text and replies; nodes/fact_check.py makes the calls."""

from __future__ import annotations

import itertools
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from paper_summarizer import evidence, reading
from paper_summarizer.replies import parse_json
from paper_summarizer.state import Check

EVIDENCE_PER_CLAIM = 2  # passages shown with each sentence
EVIDENCE_WORDS = 70  # each cut to about this many words around its best match
MIN_CLAIM_WORDS = 4  # shorter sentences ("See Table 2.") state nothing to check
MAX_SOURCES = 4  # per paragraph
REASON_MAX_CHARS = 200
FACT_MAX_CHARS = 300
MIN_FACTS, MAX_FACTS = 5, 15
Verdict = Literal["supported", "not_supported", "contradicted"]
_WORD = re.compile(r"\S+")


# --- the paper's key facts ------------------------------------------------------------------


class KeyFact(BaseModel):
    kind: Literal["contribution", "result", "limitation"]
    fact: str = Field(description="One sentence, with the result's numbers as the paper states them")
    evidence: str = Field(default="", description="The paper's own words that state it, quoted")


class KeyFactsReply(BaseModel):
    facts: list[KeyFact] = Field(default_factory=list)


def key_facts_schema(most: int, chars: int = FACT_MAX_CHARS) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "facts": {
                "type": "array",
                "minItems": 1,
                "maxItems": most,
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["contribution", "result", "limitation"]},
                        "fact": {"type": "string", "maxLength": chars},
                        "evidence": {"type": "string", "maxLength": chars},
                    },
                    "required": ["kind", "fact", "evidence"],
                },
            }
        },
        "required": ["facts"],
    }


def parse_key_facts(text: str) -> KeyFactsReply:
    reply = parse_json(text, KeyFactsReply)
    if not reply.facts:
        raise ValueError('"facts" is empty: list the paper\'s key facts')
    return reply


def located_facts(replies: list[KeyFactsReply], paper: str, where: evidence.Locator) -> list[dict[str, Any]]:
    """The facts of every part's reply, at most MAX_FACTS, each with where the paper states it
    (the passage that best matches its quoted evidence). Results are kept first when there
    are too many: a summary must carry what the paper found."""
    facts = [f for reply in replies for f in reply.facts if f.fact.strip()]
    order = {"result": 0, "contribution": 1, "limitation": 2}
    if len(facts) > MAX_FACTS:
        kept = sorted(range(len(facts)), key=lambda i: (order[facts[i].kind], i))[:MAX_FACTS]
        facts = [facts[i] for i in sorted(kept)]
    index = evidence.index(paper)
    out = []
    for number, fact in enumerate(facts, 1):
        found = index.evidence(fact.evidence or fact.fact, k=1)
        out.append({
            "id": number, "kind": fact.kind, "fact": fact.fact.strip()[:FACT_MAX_CHARS],
            "where": where.cite(found[0].section, found[0].start) if found else "",
        })  # fmt: skip
    return out


# --- the summary's claims -------------------------------------------------------------------


def claims_of(summary: str, paper: str) -> list[dict[str, Any]]:
    """Each sentence of the summary's paragraphs (headings and code are not claims) with its
    evidence: {number, block (its paragraph's index among the rendered blocks), text, evidence:
    [{section, start, end}]}."""
    view = reading.render(summary)
    index = evidence.index(paper)
    out: list[dict[str, Any]] = []
    for block_index, block in enumerate(view.blocks):
        if block.kind != reading.PARAGRAPH:
            continue
        text = re.sub(r"^TL;DR:\s*", "", block.text)
        for sentence in evidence.sentences(text):
            if len(sentence.split()) < MIN_CLAIM_WORDS:
                continue
            found = index.evidence(sentence, k=EVIDENCE_PER_CLAIM)
            out.append({
                "number": len(out) + 1, "block": block_index, "text": sentence,
                "evidence": [_excerpt(paper, p, sentence) for p in found],
            })  # fmt: skip
    return out


def _excerpt(paper: str, passage: evidence.Passage, sentence: str) -> dict[str, Any]:
    """EVIDENCE_WORDS of the passage, centred where it shares most words with the sentence, as
    {section, start, end}: offsets into the paper (its page, and its text when shown), so a
    round's record in the store stays small."""
    words = passage.text.split()
    skip = 0
    if len(words) > EVIDENCE_WORDS:
        wanted = {w.lower().strip(".,;:()") for w in sentence.split() if len(w) > 3}
        hits = [i for i, w in enumerate(words) if w.lower().strip(".,;:()") in wanted]
        middle = sorted(hits)[len(hits) // 2] if hits else 0
        skip = max(0, min(middle - EVIDENCE_WORDS // 2, len(words) - EVIDENCE_WORDS))
    # The passage's words as they stand in the paper, read from its start (no copy of the rest).
    tokens = list(itertools.islice(_WORD.finditer(paper, passage.start), skip + min(len(words), EVIDENCE_WORDS)))
    return {"section": passage.section, "start": tokens[skip].start(), "end": tokens[-1].end()}


def excerpt(paper: str, found: dict[str, Any]) -> str:
    """The paper's words of an evidence excerpt."""
    return " ".join(paper[found["start"] : found["end"]].split())


def batches(claims: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [claims[i : i + size] for i in range(0, len(claims), size)] or [[]]


def claims_for_prompt(claims: list[dict[str, Any]], paper: str, where: evidence.Locator) -> str:
    blocks = []
    for claim in claims:
        lines = [f"Sentence {claim['number']}: {claim['text']}"]
        for n, found in enumerate(claim["evidence"], 1):
            cited = where.cite(found["section"], found["start"]) or "the paper"
            lines.append(f"  Evidence {n} ({cited}): {excerpt(paper, found)}")
        if not claim["evidence"]:
            lines.append("  Evidence: no passage of the paper matches it")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def facts_for_prompt(facts: list[dict[str, Any]]) -> str:
    return "\n".join(f"Fact {f['id']} ({f['kind']}): {f['fact']}" for f in facts)


# --- the fact-checker's reply ----------------------------------------------------------------


class ClaimAnswer(BaseModel):
    sentence: int
    # The reason comes first, so the judge quotes its evidence before it decides.
    reason: str = ""
    verdict: Verdict


class ClaimsReply(BaseModel):
    claims: list[ClaimAnswer] = Field(default_factory=list)
    facts_conveyed: list[int] = Field(default_factory=list)


def claims_schema(numbers: list[int], n_facts: int, reason_chars: int = REASON_MAX_CHARS) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "claims": {
                "type": "array",
                "minItems": len(numbers),
                "maxItems": len(numbers),
                "items": {
                    "type": "object",
                    "properties": {
                        "sentence": {"type": "integer", "enum": numbers or [0]},
                        "reason": {"type": "string", "maxLength": reason_chars},
                        "verdict": {"type": "string", "enum": ["supported", "not_supported", "contradicted"]},
                    },
                    "required": ["sentence", "reason", "verdict"],
                },
            },
            "facts_conveyed": {
                "type": "array",
                "maxItems": n_facts,
                "items": {"type": "integer", "minimum": 1, "maximum": max(1, n_facts)},
            },
        },
        "required": ["claims", "facts_conveyed"],
    }


def parse_claims(text: str, numbers: list[int]) -> ClaimsReply:
    """Raises ValueError when the reply answers none of the sentences it was asked about."""
    reply = parse_json(text, ClaimsReply)
    if numbers and not {c.sentence for c in reply.claims} & set(numbers):
        raise ValueError(f'"claims" answers none of sentences {numbers[0]}-{numbers[-1]}: answer each of them')
    return reply


def judged(
    claims: list[dict[str, Any]], replies: list[ClaimsReply], facts: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The claims with the judge's answer (a sentence it did not answer is `not_assessed`, which
    does not pass), and the facts with whether the summary conveys them."""
    answers = {a.sentence: a for reply in replies for a in reply.claims}
    conveyed = {n for reply in replies for n in reply.facts_conveyed}
    out_claims = []
    for claim in claims:
        answer = answers.get(claim["number"])
        out_claims.append({
            **claim,
            "verdict": answer.verdict if answer else "not_assessed",
            "reason": (answer.reason.strip() if answer else "the judge did not answer for it")[:REASON_MAX_CHARS],
        })  # fmt: skip
    return out_claims, [{**f, "conveyed": f["id"] in conveyed} for f in facts]


def faithful_check(claims: list[dict[str, Any]]) -> Check:
    """Passes only when every sentence is supported; the detail names each one that is not, so
    the next round fixes or removes those and leaves the rest alone."""
    failing = [c for c in claims if c["verdict"] != "supported"]
    if not failing:
        return Check(name="claims", passed=True, detail=f"all {len(claims)} sentences supported by the paper")
    named = "; ".join(
        f'sentence {c["number"]} ("{_short(c["text"])}") is {c["verdict"].replace("_", " ")}: {c["reason"]}'
        for c in failing[:6]
    )
    more = f"; and {len(failing) - 6} more" if len(failing) > 6 else ""
    return Check(
        name="claims",
        passed=False,
        detail=f"{len(failing)} of {len(claims)} sentences are not supported by the paper: {named}{more}. "
        "Correct or remove these sentences and leave the others as they are",
    )


def coverage_check(facts: list[dict[str, Any]], min_coverage: float) -> Check:
    if not facts:
        return Check(name="key_facts", passed=True, detail="no key facts to cover")
    conveyed = sum(1 for f in facts if f["conveyed"])
    share = conveyed / len(facts)
    if share >= min_coverage:
        return Check(name="key_facts", passed=True, detail=f"conveys {conveyed} of the paper's {len(facts)} key facts")
    missing = "; ".join(f'"{_short(f["fact"], 100)}"' for f in facts if not f["conveyed"])
    return Check(
        name="key_facts",
        passed=False,
        detail=f"conveys {conveyed} of the paper's {len(facts)} key facts ({share:.0%}, needs {min_coverage:.0%}); "
        f"add these: {missing}",
    )


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


# --- sources a reader can follow ------------------------------------------------------------


def with_sources(summary: str, claims: list[dict[str, Any]], where: evidence.Locator) -> str:
    """The summary with each paragraph ending in its sources, "(§3.2, p. 5; §4, p. 7)": where the
    paper states what its supported sentences say (each one's best-matching passage). The
    TL;DR line and tables are left as they are."""
    by_block: dict[int, list[str]] = {}
    for claim in claims:
        if claim.get("verdict") != "supported" or not claim["evidence"]:
            continue
        best = claim["evidence"][0]
        cited = where.cite(best["section"], best["start"], link=True)
        if cited and cited not in by_block.setdefault(claim["block"], []):
            by_block[claim["block"]].append(cited)
    view = reading.render(summary)
    lines = summary.splitlines()
    for block_index, sources in by_block.items():
        block = view.blocks[block_index] if block_index < len(view.blocks) else None
        # A table (one paragraph to CommonMark) ends in a row: sources after it would be a stray cell.
        if block is None or block.last_line < 0 or block.text.startswith(("TL;DR:", "|")):
            continue
        lines[block.last_line] = lines[block.last_line].rstrip() + f" ({'; '.join(sources[:MAX_SOURCES])})"
    return "\n".join(lines) + ("\n" if summary.endswith("\n") else "")
