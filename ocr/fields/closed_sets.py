"""Closed sets (gender, ethnicity, nationality, relationship, signer's title): aliases and misspellings to the
official name."""

from __future__ import annotations

from ocr import lexicon
from ocr.fields.cleaning import normalized_flag, unknown_flag
from ocr.fields.fuzzy import closest, tolerance
from ocr.fields.result import Normalized

# Template field type -> lexicon kind.
LEXICON_OF: dict[str, lexicon.LexiconKind] = {
    "gender": "gender", "ethnicity": "ethnic_group", "nationality": "nationality",
    "relationship": "relationship", "title": "title",
}


def normalize_closed(field_type: str, text: str) -> Normalized:
    """The official name that ``text`` (cleaned, non-empty) names: by official name or alias,
    else by the unambiguously closest spelling; else ``text`` itself, not confident."""
    kind = LEXICON_OF[field_type]
    term = lexicon.resolve(kind, text)
    if term is not None:
        if lexicon.lookup_key(text) == lexicon.lookup_key(term.name):
            return Normalized(term.name, (), True)
        return Normalized(term.name, (normalized_flag(f"written {text!r}, another name of {term.name!r}"),), True)
    index = lexicon.spelling_index(kind)
    query = lexicon.lookup_key(text)
    match = closest(query, index, same=index)
    if match is not None and match.unambiguous:
        term = index[match.key]
        flag = normalized_flag(f"read {text!r} as {term.name!r}, the closest known spelling")
        return Normalized(term.name, (flag,), True)
    if match is not None and match.distance <= tolerance(match.key):
        why = "two or more known spellings are equally close"
    else:
        why = "no known spelling is close"
    return Normalized(text, (unknown_flag(field_type, f"not a known {field_type}: {why}; check the scan"),), False)
