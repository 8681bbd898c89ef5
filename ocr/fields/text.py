"""Free text and signatures: cleaned as written; a time of day alone ("7 giờ 30 phút") as HH:MM."""

from __future__ import annotations

import re

from ocr.fields.cleaning import normalized_flag
from ocr.fields.result import Normalized

# "7 giờ 30 phút", "7h30", "7 giờ 30", "7g30", "7 giờ 30'", "7 giờ", "7h".
_TIME = re.compile(r"^(\d{1,2})\s*(?:giờ|h|g)\s*(?:(\d{1,2})\s*(?:phút|')?)?$", re.IGNORECASE)


def normalize_time(text: str) -> Normalized | None:
    """A text that is only a time of day, as 'HH:MM'; None for any other text."""
    m = _TIME.match(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 24 or minute > 59:
        return Normalized(text, (normalized_flag("looks like a time of day that cannot exist; check it"),), False)
    return Normalized(f"{hour:02d}:{minute:02d}", (), True)


def normalize_text(text: str) -> Normalized:
    """Free text as written (cleaned); a lone time of day in the 'HH:MM' form."""
    return normalize_time(text) or Normalized(text, (), True)
