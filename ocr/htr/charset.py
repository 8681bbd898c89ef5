"""The recognizer's charset: CTC classes, index 0 the blank; it travels inside the model file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ocr.text import VIETNAMESE_LETTERS, nfc

BLANK = 0
PUNCTUATION = " !\"#%&'()*+,-./:;?"


class CharsetError(ValueError):
    """Text or a model that does not fit a charset."""


@dataclass(frozen=True)
class Charset:
    """Characters of the CTC classes 1..N (class 0 is the blank)."""

    chars: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise CharsetError("a charset holds each character once")
        bad = [c for c in self.chars if len(c) != 1 or nfc(c) != c]
        if bad:
            raise CharsetError(f"charset entries must be single NFC characters, not {bad!r}")

    @property
    def size(self) -> int:
        """Number of CTC classes, blank included (the model's output size)."""
        return len(self.chars) + 1

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def index(self) -> dict[str, int]:
        return {c: i + 1 for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> list[int]:
        """Class indices of ``text`` (NFC); an unknown character is an error naming it."""
        lookup = self.index()
        text = nfc(text)
        missing = sorted({c for c in text if c not in lookup})
        if missing:
            raise CharsetError(f"characters not in the charset: {missing!r} (in {text!r})")
        return [lookup[c] for c in text]

    def covers(self, text: str) -> bool:
        lookup = self.index()
        return all(c in lookup for c in nfc(text))

    def decode(self, indices) -> str:
        """Text of class indices (blanks skipped; no CTC collapsing here)."""
        return "".join(self.chars[i - 1] for i in indices if i != BLANK)

    def to_json(self) -> str:
        return json.dumps({"blank": BLANK, "chars": "".join(self.chars)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Charset":
        data = json.loads(text)
        if data.get("blank") != BLANK:
            raise CharsetError(f"charset blank index {data.get('blank')!r} is not {BLANK}")
        return cls(tuple(data["chars"]))


def default_charset() -> Charset:
    """Every Vietnamese letter in both cases with every tone mark, digits, ledger punctuation."""
    letters = sorted(VIETNAMESE_LETTERS)
    return Charset(tuple(letters + list("0123456789") + list(PUNCTUATION)))
