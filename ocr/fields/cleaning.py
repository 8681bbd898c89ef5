"""Cleaning every field shares: NFC, single spaces, stray punctuation at the ends dropped."""

from __future__ import annotations

import re

from ocr.schema import Flag
from ocr.text import nfc

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_DASHES = str.maketrans({"‐": "-", "‑": "-", "–": "-", "—": "-"})
# Punctuation an officer's pen or the recognizer leaves at the ends of a field.
_LEADING = ",;:.-_~*|·"
_TRAILING = ",;:-_~*|·"
_PAIRS = {"(": ")", "[": "]", '"': '"', "'": "'"}
# Letters a recognizer reads where a digit was written (in a date or a number).
DIGIT_LOOKALIKES = str.maketrans({"o": "0", "O": "0", "d": "0", "D": "0", "l": "1", "i": "1", "I": "1", "|": "1",
                                  "z": "2", "Z": "2", "s": "5", "S": "5", "b": "8", "B": "8", "g": "9"})


def _strip_unbalanced(text: str) -> str:
    """Drop an opening bracket or quote at the start, or a closing one at the end, that has no partner."""
    changed = True
    while changed and text:
        changed = False
        for opening, closing in _PAIRS.items():
            if not text:
                break
            if opening == closing:
                if text.count(opening) % 2 == 1 and (text[0] == opening or text[-1] == opening):
                    text = text[1:] if text[0] == opening else text[:-1]
                    changed = True
            elif text[0] == opening and text.count(opening) > text.count(closing):
                text, changed = text[1:], True
            elif text[-1] == closing and text.count(closing) > text.count(opening):
                text, changed = text[:-1], True
        text = text.strip()
    return text


def clean(raw: str, *, keep_final_dot: bool = False) -> str:
    """NFC, one kind of apostrophe and dash, whitespace runs as one space, stray punctuation at the
    ends removed ("  ,Kinh. " -> "Kinh"); a final dot stays when ``keep_final_dot`` (free text)."""
    text = " ".join(nfc(raw).translate(_APOSTROPHES).translate(_DASHES).split())
    trailing = _TRAILING if keep_final_dot else _TRAILING + "."
    previous = None
    while text != previous:
        previous = text
        text = text.lstrip(_LEADING + " ").rstrip(trailing + " ")
        text = _strip_unbalanced(text)
    return re.sub(r"\s+([,;:])", r"\1", text)


def normalized_flag(what: str) -> Flag:
    """The flag of a value that differs from the raw text in more than form; ``what`` says from what."""
    return Flag(code="normalized", message=what)


def unknown_flag(field_type: str, why: str) -> Flag:
    """The flag of a raw text that could not be read as a ``field_type`` value."""
    return Flag(code=f"unknown_{field_type}", message=why)
