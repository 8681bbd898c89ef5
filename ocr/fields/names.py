"""Personal names: each syllable capitalised ("HOÀNG THỊ TRÂM" -> "Hoàng Thị Trâm", "H'HEN NIÊ"
-> "H'Hen Niê"), the forms of minority names kept."""

from __future__ import annotations

import re

from ocr.fields.cleaning import unknown_flag
from ocr.fields.result import Normalized
from ocr.text import VIETNAMESE_LETTERS

_NAME_CHARS = VIETNAMESE_LETTERS | frozenset(" '-.")


def name_case(text: str) -> str:
    """Each part between spaces, apostrophes and hyphens capitalised: "y bih" -> "Y Bih"."""
    return re.sub(r"[^\s'\-]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), text)


def normalize_name(text: str) -> Normalized:
    """A name in name case; a name with characters names do not hold is kept, not confident."""
    value = name_case(text)
    odd = sorted({c for c in text if c not in _NAME_CHARS})
    if odd:
        flag = unknown_flag("name", f"{len(odd)} character(s) that names do not hold; check the scan")
        return Normalized(value, (flag,), False)
    return Normalized(value, (), True)
