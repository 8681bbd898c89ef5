"""Vietnamese text facts shared by the generator, the recognizer and the normalizers."""

from __future__ import annotations

import unicodedata

TONE_MARKS = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
VOWELS = "aăâeêioôơuưy"
LEDGER_PUNCTUATION = "/-.,:()'\""


def _letters() -> frozenset[str]:
    lower = set("abcdefghijklmnopqrstuvwxyzđ") | set(VOWELS)
    lower |= {unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONE_MARKS}
    return frozenset(lower | {c.upper() for c in lower})


VIETNAMESE_LETTERS: frozenset[str] = _letters()  # 186 letters (93 lower-case), NFC
REQUIRED_CHARS: frozenset[str] = VIETNAMESE_LETTERS | frozenset("0123456789" + LEDGER_PUNCTUATION)


def nfc(text: str) -> str:
    """Unicode NFC, the form of all text at every boundary of hotich."""
    return unicodedata.normalize("NFC", text)
