"""Free text and signatures: cleaned as written; a time of day ("7 giờ 30 phút", "lúc 7 giờ tối") as HH:MM."""

from __future__ import annotations

import re

from ocr.fields.cleaning import normalized_flag, unknown_flag
from ocr.fields.result import Normalized

# Parts of the day written after a time, and the hours (on a 12-hour reading) that they move by 12.
DAY_PARTS = ("sáng", "trưa", "chiều", "tối", "đêm")
_AFTERNOON = {"trưa": range(1, 6), "chiều": range(1, 12), "tối": range(1, 12), "đêm": range(6, 12)}
# "7 giờ 30 phút", "7h30", "7 giờ 30", "7g30", "7 giờ 30'", "7 giờ", "7h", "lúc 7 giờ tối".
_TIME = re.compile(r"^(?:lúc\s+)?(\d{1,2})\s*(?:giờ|h|g)\s*(?:(\d{1,2})\s*(?:phút|')?)?"
                   rf"(?:\s+({'|'.join(DAY_PARTS)}))?$", re.IGNORECASE)


def normalize_time(text: str) -> Normalized | None:
    """A text that is only a time of day, as 'HH:MM' on the 24-hour clock; None for any other text."""
    m = _TIME.match(text)
    if not m:
        return None
    hour, minute, part = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if hour > 24 or minute > 59:
        return Normalized(text, (normalized_flag("looks like a time of day that cannot exist; check it"),), False)
    if hour in _AFTERNOON.get(part, ()):
        hour += 12
    elif part == "đêm" and hour == 12:
        hour = 0
    return Normalized(f"{hour:02d}:{minute:02d}", (), True)


def normalize_clock(text: str) -> Normalized:
    """A time-of-day field: 'HH:MM', or the text as written, flagged, when it reads as no time."""
    return normalize_time(text) or Normalized(text, (unknown_flag("time", "not read as a time of day"),), False)


def normalize_text(text: str) -> Normalized:
    """Free text as written (cleaned); a lone time of day in the 'HH:MM' form."""
    return normalize_time(text) or Normalized(text, (), True)
