"""Texts for synthetic training lines: ledger field contents of every template and field type,
and address lines in the styles of the real validation data (Cinnamon: commas and full kinds;
Kalapa: no commas, abbreviations Tp, P, Q)."""

from __future__ import annotations

import numpy as np

from ocr.templates import load_template, template_names
from training.synth.content import BookContentGenerator
from training.synth.people import name_maker
from training.synth.places import random_commune, random_village

# How a kind may be written: full, capitalised abbreviation, bare abbreviation, dropped.
_KIND_FORMS: dict[str, tuple[str, ...]] = {
    "Xã": ("Xã", "xã", "X.", "X", "x."),
    "Phường": ("Phường", "phường", "P.", "P", "p."),
    "Thị trấn": ("Thị trấn", "thị trấn", "TT.", "TT", "Tt"),
    "Huyện": ("Huyện", "huyện", "H.", "H", "h."),
    "Quận": ("Quận", "quận", "Q.", "Q", "q."),
    "Thị xã": ("Thị xã", "thị xã", "TX.", "TX", "Tx"),
    "Thành phố": ("Thành phố", "thành phố", "TP.", "TP", "Tp", "Tp."),
    "Tỉnh": ("Tỉnh", "tỉnh", "T.", "Tỉnh"),
}
_STREET_WORDS = ("đường", "Đường", "phố", "Phố", "ngõ", "Ngõ", "hẻm", "Hẻm", "Kiệt", "")
_PLACE_WORDS = ("Thôn", "Ấp", "Xóm", "Tổ", "Khu phố", "Khu", "Bản", "Tổ dân phố", "Khối", "Làng")


def _house_number(rng: np.random.Generator) -> str:
    n = str(int(rng.integers(1, 400)))
    r = rng.random()
    if r < 0.3:
        n += "/" + str(int(rng.integers(1, 60)))
        if rng.random() < 0.3:
            n += "/" + str(int(rng.integers(1, 30)))
    elif r < 0.4:
        n += "ABCDE"[int(rng.integers(5))]
    prefix = ("Số ", "số ", "", "", "Nhà ", "SN ")[int(rng.integers(6))]
    return prefix + n


def _unit(kind: str, name: str, rng: np.random.Generator, abbr: float) -> str:
    forms = _KIND_FORMS.get(kind)
    if forms is None or not kind:
        return f"{kind} {name}".strip()
    numbered = name[:1].isdigit()
    r = rng.random()
    if r < abbr:
        form = forms[2 + int(rng.integers(len(forms) - 2))]
    elif r < abbr + 0.25 and not numbered:
        return name
    else:
        form = forms[int(rng.integers(2))] if rng.random() < 0.2 else forms[0]
    glue = "" if (numbered and form.endswith(".") and rng.random() < 0.5) else " "
    return f"{form}{glue}{name}"


def address_text(rng: np.random.Generator) -> str:
    """One address line: street or hamlet, commune, district, province, in a random style."""
    c = random_commune(rng)
    commas = rng.random() < 0.55
    abbr = float(rng.uniform(0.0, 0.8))
    parts: list[str] = []
    r = rng.random()
    if r < 0.45:
        street = random_commune(rng).commune.name if rng.random() < 0.6 else _person_name(rng)
        word = _STREET_WORDS[int(rng.integers(len(_STREET_WORDS)))]
        parts.append(" ".join(x for x in (_house_number(rng), word, street) if x))
    elif r < 0.75:
        village = random_village(rng, c)
        kind = village.kind or _PLACE_WORDS[int(rng.integers(len(_PLACE_WORDS)))]
        parts.append(f"{kind} {village.name}" if rng.random() < 0.85 else village.name)
    levels = [c.commune, c.district, c.province]
    start = 0 if rng.random() < 0.9 else 1
    for u in levels[start:]:
        drop_kind = u is c.province and rng.random() < 0.6
        parts.append(u.name if drop_kind else _unit(u.kind, u.name, rng, abbr))
    if rng.random() < 0.1:
        parts = parts[:-1]
    return (", " if commas else " ").join(parts)


def _person_name(rng: np.random.Generator) -> str:
    gender = "Nam" if rng.random() < 0.7 else "Nữ"
    return name_maker().make(rng, gender, "Kinh", int(rng.integers(1900, 1990))).full


class FieldTexts:
    """Raw field contents drawn from one book per template, cycling over field types."""

    def __init__(self, rng: np.random.Generator, templates: list[str] | None = None) -> None:
        self._rng = rng
        self._templates = [load_template(n) for n in (templates or template_names())]
        self._books: dict[str, BookContentGenerator] = {}

    def _book(self, template) -> BookContentGenerator:
        key = template.id
        if key not in self._books or self._rng.random() < 0.02:
            year = int(self._rng.integers(1995, 2007))
            self._books[key] = BookContentGenerator(template.book_type, year, random_commune(self._rng).as_dict(),
                                                    self._rng)
        return self._books[key]

    def next(self) -> str:
        """A non-empty raw field value (signatures excluded: they are not text)."""
        for _ in range(20):
            t = self._templates[int(self._rng.integers(len(self._templates)))]
            fields = [(f.key, f.type) for f in t.fields]
            record = self._book(t).next_record(fields)
            texts = [record[k].raw for k, ftype in fields if ftype != "signature" and k in record and record[k].raw]
            if texts:
                return texts[int(self._rng.integers(len(texts)))]
        raise RuntimeError("the content generator gave no text in 20 records")


def clip_text(text: str, max_chars: int) -> str:
    """One line of at most ``max_chars`` characters, cut at a space where possible."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars + 1)
    return text[: cut if cut > max_chars // 2 else max_chars].strip()
