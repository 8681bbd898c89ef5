"""Units as books of a given year named them, before later splits, merges and renames.

``historical_units.yaml`` (beside this module) holds the rules, the single source of them: the
synthetic generator names a book's places with them, the units list takes its former units from
them and the place normalizer reads places named so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("historical_units.yaml")
FIRST_YEAR = 1945  # before every rule's ``until``: the earliest naming the rules describe


@dataclass(frozen=True)
class ProvinceRule:
    """Provinces (names without kind) that books of years before ``until`` named ``named``."""

    until: int
    provinces: tuple[str, ...]
    named: str


@dataclass(frozen=True)
class DistrictRule:
    """Districts (full names) of ``province`` that books of years before ``until`` named
    ``district_as`` in ``province_as`` (None: unchanged)."""

    until: int
    province: str
    districts: tuple[str, ...]
    province_as: str | None = None
    district_as: str | None = None


@dataclass(frozen=True)
class History:
    provinces: tuple[ProvinceRule, ...]  # by ``until``: the first rule that applies wins
    districts: tuple[DistrictRule, ...]

    def years(self) -> tuple[int, ...]:
        """One year in each span in which the rules name every unit the same way."""
        ends = {r.until for r in (*self.provinces, *self.districts)}
        return tuple(sorted({FIRST_YEAR, *ends}))

    def named(self, province: str, district: str, year: int) -> tuple[str | None, str | None]:
        """The names (province, district) that a book of ``year`` gives a 2024 district
        (``province`` without its kind, ``district`` in full); None where unchanged."""
        province_as = district_as = None
        for p in self.provinces:
            if year < p.until and province in p.provinces:
                province_as = p.named
                break
        for d in self.districts:
            if year < d.until and province == d.province and district in d.districts:
                province_as = d.province_as or province_as
                district_as = d.district_as
                break
        return province_as, district_as

    def names(self) -> frozenset[str]:
        """Every name the rules give (full names, with their kind words)."""
        return frozenset({r.named for r in self.provinces}
                         | {n for r in self.districts for n in (r.province_as, r.district_as) if n})


@lru_cache(maxsize=1)
def history() -> History:
    """The rules of ``historical_units.yaml`` (loaded once)."""
    with open(_FILE, encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    provinces = sorted((ProvinceRule(r["until"], tuple(r["provinces"]), r["as"]) for r in raw["provinces"]),
                       key=lambda r: r.until)
    districts = sorted((DistrictRule(r["until"], r["province"], tuple(r["districts"]), r.get("province_as"),
                                     r.get("district_as")) for r in raw["districts"]), key=lambda r: r.until)
    return History(tuple(provinces), tuple(districts))
