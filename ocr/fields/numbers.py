"""Registration numbers: '1/99', 'Số 12', '12/KS', '003' -> the number itself ('1', '12', '3')."""

from __future__ import annotations

import re

from ocr.fields.cleaning import DIGIT_LOOKALIKES, normalized_flag, unknown_flag
from ocr.fields.result import Normalized

_NUMBER = re.compile(r"^(?:số|so|sổ|no|n°|#)?\s*[:.]?\s*0*(\d+)\s*([a-z])?\s*(?:[/\-]\s*[\w\-/.]+)?$")


def _read(text: str) -> str | None:
    m = _NUMBER.match(text)
    if not m:
        return None
    return (m.group(1).lstrip("0") or "0") + (m.group(2) or "")


def normalize_number(text: str) -> Normalized:
    """The registration number without prefix, leading zeros or a '/year' or '/book' suffix."""
    lower = text.lower()
    found = _read(lower)
    if found is not None:
        return Normalized(found, (), True)
    head, sep, tail = lower.partition("/")
    found = _read(head.translate(DIGIT_LOOKALIKES) + sep + tail)
    if found is not None:
        flag = normalized_flag("letters read as the digits they resemble; check the number")
        return Normalized(found, (flag,), False)
    return Normalized(text, (unknown_flag("number", "not a registration number; check the scan"),), False)
