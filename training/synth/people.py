"""People for synthetic records: names by gender, generation and ethnic custom; ethnic mix by province."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from ocr import lexicon
from ocr.lexicon import NamePart
from training.synth.places import Commune, Unit

_HERE = Path(__file__).parent
OLD_BEFORE = 1975  # people born before this year use the names' ``weight_old``


class Weighted:
    """Items with weights, drawn by inverse CDF (fast and deterministic given the rng)."""

    def __init__(self, items: list, weights: list[float]):
        if not items:
            raise ValueError("no items to draw from")
        w = np.asarray(weights, dtype=float)
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        self.items = list(items)
        self._cum = np.cumsum(w) / w.sum()

    def draw(self, rng: np.random.Generator):
        i = int(np.searchsorted(self._cum, rng.random(), side="right"))
        return self.items[min(i, len(self.items) - 1)]


def _parts(parts: tuple[NamePart, ...], old: bool) -> Weighted | None:
    kept = [p for p in parts if (p.weight_old if old else p.weight) > 0]
    return Weighted([p.name for p in kept], [p.weight_old if old else p.weight for p in kept]) if kept else None


@dataclass(frozen=True)
class Name:
    """A full name and the surname a child may inherit (None where the custom has none)."""

    full: str
    surname: str | None


@dataclass
class Person:
    """One person of a record, with the facts the fields are written from."""

    name: Name
    gender: str  # "Nam" / "Nữ"
    birth: dt.date
    year_only: bool  # only the year of birth is known / written
    ethnicity: str  # official name
    nationality: str = "Việt Nam"
    residence: Commune | None = None
    village: Unit | None = None
    hometown: Commune | None = None
    birthplace: tuple[str, str] | None = None  # (raw, value) once written
    papers: tuple[str, dt.date] | None = None  # identity card number and date of issue

    def age_on(self, day: dt.date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


class NameMaker:
    """Draws names following the lexicon: Kinh custom by default, minority patterns where set."""

    def __init__(self) -> None:
        lex = lexicon.names()
        self._lex = lex
        self._kinh_surnames = {
            region: Weighted([s.name for s in lex.surnames], [getattr(s, region) for s in lex.surnames])
            for region in ("north", "south")
        }
        self._cache: dict[tuple, Weighted | None] = {}

    def _table(self, key: tuple, parts: tuple[NamePart, ...], old: bool) -> Weighted | None:
        if key not in self._cache:
            self._cache[key] = _parts(parts, old)
        return self._cache[key]

    def lineage(self, ethnicity: str) -> str:
        pat = self._lex.pattern_for(ethnicity)
        return pat.lineage if pat else "paternal"

    def make(self, rng: np.random.Generator, gender: str, ethnicity: str, birth_year: int,
             region: str = "north", surname: str | None = None) -> Name:
        """A name; ``surname`` (inherited) replaces the drawn one where the custom has surnames."""
        pat = self._lex.pattern_for(ethnicity)
        old = birth_year < OLD_BEFORE
        fmt = pat.format[gender] if pat else "{surname} {middle} {given}"
        has_surname = "{surname}" in fmt
        if not has_surname:
            surname = None
        elif surname is None:
            if pat and pat.surnames:
                table = self._table(("s", ethnicity), pat.surnames, False)
                assert table is not None
                surname = table.draw(rng)
            else:
                surname = self._kinh_surnames[region].draw(rng)
        middle_src = pat.middle if pat and pat.middle else self._lex.middle
        given_src = pat.given if pat and pat.given else self._lex.given
        src_key = ethnicity if pat else ""
        middle = self._table(("m", src_key, gender, old), middle_src[gender], old)
        given = self._table(("g", src_key, gender, old), given_src[gender], old)
        assert given is not None
        text = fmt.format(
            surname=surname or "", middle=middle.draw(rng) if middle else "", given=given.draw(rng),
        )
        return Name(re.sub(r"\s+", " ", text).strip(), surname)


@lru_cache(maxsize=1)
def name_maker() -> NameMaker:
    return NameMaker()


@lru_cache(maxsize=1)
def _regions() -> dict:
    with open(_HERE / "ethnic_regions.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    official = {g.name for g in lexicon.ethnic_groups()}
    for table in [data["default"], *data["provinces"].values()]:
        unknown = set(table) - official
        if unknown:
            raise ValueError(f"ethnic_regions.yaml: not official ethnic names: {sorted(unknown)}")
    return data


@lru_cache(maxsize=None)
def ethnic_mix(province: str) -> Weighted:
    """Ethnic groups of a province's people (province short name, e.g. "Hà Giang")."""
    data = _regions()
    table = data["provinces"].get(province, data["default"])
    return Weighted(list(table), list(table.values()))
