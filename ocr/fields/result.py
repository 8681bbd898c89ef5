"""The result of normalizing one field."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.schema import Flag


@dataclass(frozen=True)
class Normalized:
    """A field's normalized value, the flags that explain it, and whether it is trustworthy."""

    value: str | None  # normalized value (ISO date, official name, ...); None = empty
    flags: tuple[Flag, ...]  # why the value differs from the raw text, or problems
    confident: bool  # False when the raw text could not be parsed or matched with confidence


EMPTY = Normalized(None, (), True)
