"""Signatures: the name written beside or under the pen mark, without what was read from the mark.

A signature cell holds a scribble and, often, the signer's name in writing. The recognizer reads
the scribble as junk ("19N", "nm", "V1", "VU"); the value is the last run of two or more words
that can be name syllables (letters only, capitalised or in capitals, with a vowel), as written;
words in capitals before words in small letters are the mark's. A cell with no such run has no
legible name: no value, a flag, not confident.
"""

from __future__ import annotations

from ocr.fields.cleaning import normalized_flag, unknown_flag
from ocr.fields.fuzzy import base_letter
from ocr.fields.result import Normalized
from ocr.fields.text import normalize_text
from ocr.text import VIETNAMESE_LETTERS

MIN_NAME_WORDS = 2


def name_like(word: str) -> bool:
    """Whether ``word`` can be a syllable of a written name: letters (and "'" inside, as in
    "H'Hen"), a capital first letter, lower case or capitals after it, and a vowel."""
    parts = word.split("'")
    if not all(parts) or any(c not in VIETNAMESE_LETTERS for p in parts for c in p):
        return False
    return (all(p[0].isupper() and (p[1:].islower() or p[1:].isupper() or len(p) == 1) for p in parts)
            and any(base_letter(c) in "aeiouy" for c in word))


def _case(word: str) -> str | None:
    """"upper" for a word in capitals, "title" for one with small letters, None for one letter."""
    if len(word) < 2:
        return None
    return "upper" if word.isupper() else "title"


def normalize_signature(text: str) -> Normalized:
    """The signer's name read in a signature cell (see the module docstring)."""
    words = text.split(" ")
    runs: list[list[str]] = [[]]
    for w in words:
        if not name_like(w):
            if runs[-1]:
                runs.append([])
            continue
        if _case(w) == "title" and any(_case(v) == "upper" for v in runs[-1]):
            runs.append([])  # capitals before a name written in small letters: "VU Nguyễn Văn Hiếu" is the mark's
        runs[-1].append(w)
    names = [r for r in runs if len(r) >= MIN_NAME_WORDS]
    if not names:
        return Normalized(None, (unknown_flag("signature", "no legible name beside the signature"),), False)
    value = " ".join(names[-1])
    if value == text:
        return normalize_text(text)
    return Normalized(value, (normalized_flag("what was read from the pen mark left out"),), True)
