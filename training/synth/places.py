"""Administrative units (pre-2025, from vietnamadminunits' data, read offline) and places as written.

The units table is read once straight from the package's SQLite file (no network, and without
importing the package). ``as_of`` renames units the way a book of a given year named them
(Hà Tây, Bắc Thái, ...); ``write_place`` renders a place the way a given officer wrote it.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from ocr.fields.place_words import ADMIN_KINDS, UNIT_ABBREVIATIONS, UNIT_KINDS, VILLAGE_NAMES
from ocr.lexicon.history import history


_ABBR = UNIT_ABBREVIATIONS


@dataclass(frozen=True)
class Unit:
    """One named unit: its kind ("Xã", "Huyện", "Thôn"...) and its name ("Tân Lập", "4")."""

    kind: str
    name: str

    @property
    def full(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Commune:
    """A commune with its district and province, and their codes (None when unknown)."""

    commune: Unit
    district: Unit
    province: Unit
    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None

    def as_dict(self) -> dict:
        """The keys of ``ocr.schema.AdminUnit``."""
        return {
            "province": self.province.full, "district": self.district.full, "commune": self.commune.full,
            "province_code": self.province_code, "district_code": self.district_code,
            "commune_code": self.commune_code,
        }


def parse_unit(full: str) -> Unit:
    """"Huyện Đan Phượng" -> Unit("Huyện", "Đan Phượng"); an unknown kind keeps the whole name."""
    for kind in UNIT_KINDS:
        if full.startswith(kind + " "):
            return Unit(kind, full[len(kind) + 1:])
    return Unit("", full)


@dataclass(frozen=True)
class _Table:
    communes: tuple[Commune, ...]
    by_code: dict[str, int]
    by_district: dict[str, tuple[int, ...]]
    by_province: dict[str, tuple[int, ...]]
    provinces: tuple[str, ...]  # province codes


def _db_path() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("vietnamadminunits is not installed (pip install 'hotich[synth]')")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"


@lru_cache(maxsize=1)
def _table() -> _Table:
    uri = f"file:{_db_path()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute(
            "SELECT province, district, ward, provinceCode, districtCode, wardCode "
            "FROM admin_units_legacy WHERE ward IS NOT NULL ORDER BY wardCode"
        ).fetchall()
    communes = tuple(
        Commune(parse_unit(w), parse_unit(d), parse_unit(p), pc, dc, wc) for p, d, w, pc, dc, wc in rows
    )
    by_district: dict[str, list[int]] = {}
    by_province: dict[str, list[int]] = {}
    for i, c in enumerate(communes):
        by_district.setdefault(c.district_code or "", []).append(i)
        by_province.setdefault(c.province_code or "", []).append(i)
    return _Table(
        communes=communes,
        by_code={c.commune_code: i for i, c in enumerate(communes) if c.commune_code},
        by_district={k: tuple(v) for k, v in by_district.items()},
        by_province={k: tuple(v) for k, v in by_province.items()},
        provinces=tuple(sorted(by_province)),
    )


def random_commune(rng: np.random.Generator) -> Commune:
    """A uniformly drawn pre-2025 commune."""
    t = _table()
    return t.communes[int(rng.integers(len(t.communes)))]


def random_unit(rng: np.random.Generator) -> dict:
    """A random pre-2025 commune with its district and province (names and codes), as a dict with
    the keys of ``ocr.schema.AdminUnit``."""
    return random_commune(rng).as_dict()


def commune_of(unit: dict) -> Commune:
    """The commune a unit dict names: by commune code, else by names, else parsed as given."""
    t = _table()
    code = unit.get("commune_code")
    if code and code in t.by_code:
        return t.communes[t.by_code[code]]
    names = (unit.get("province"), unit.get("district"), unit.get("commune"))
    for c in t.communes:
        if (c.province.full, c.district.full, c.commune.full) == names:
            return c
    return Commune(
        parse_unit(unit.get("commune") or ""), parse_unit(unit.get("district") or ""),
        parse_unit(unit["province"]), unit.get("province_code"), unit.get("district_code"), code,
    )


def nearby_commune(rng: np.random.Generator, home: Commune, p_same: float = 0.55,
                   p_district: float = 0.2, p_province: float = 0.15) -> Commune:
    """Another commune: the same one, one of its district, of its province, or anywhere."""
    t = _table()
    u = rng.random()
    if u < p_same or home.commune_code not in t.by_code:
        return home
    if u < p_same + p_district:
        pool = t.by_district.get(home.district_code or "", ())
    elif u < p_same + p_district + p_province:
        pool = t.by_province.get(home.province_code or "", ())
    else:
        pool = t.by_province[t.provinces[int(rng.integers(len(t.provinces)))]]
    return t.communes[pool[int(rng.integers(len(pool)))]] if pool else home


def region(c: Commune) -> str:
    """"north" or "south" (from Đà Nẵng on, code 48): Huỳnh/Võ versus Hoàng/Vũ, Ấp versus Thôn."""
    try:
        return "south" if int(c.province_code or "0") >= 48 else "north"
    except ValueError:
        return "north"


# --- names of a given year -----------------------------------------------------------------


def as_of(c: Commune, year: int) -> Commune:
    """The commune with its province and district named as in books of ``year``."""
    province_as, district_as = history().named(c.province.name, c.district.full, year)
    return replace(c, province=parse_unit(province_as) if province_as else c.province,
                   district=parse_unit(district_as) if district_as else c.district)


# --- villages ------------------------------------------------------------------------------

def random_village(rng: np.random.Generator, c: Commune, minority: bool = False) -> Unit:
    """A village or residential group of commune ``c`` (Thôn/Xóm in the north, Ấp in the south,
    Bản in the northern mountains, Buôn/Làng in the Central Highlands, Tổ in towns)."""
    if c.commune.kind == "Phường" or (c.commune.kind == "Thị trấn" and rng.random() < 0.6):
        kind = str(rng.choice(["Tổ", "Tổ dân phố", "Khu phố" if region(c) == "south" else "Khu"]))
        return Unit(kind, str(int(rng.integers(1, 40))))
    code = int(c.province_code or "0") if (c.province_code or "0").isdigit() else 0
    if minority and 62 <= code <= 67:
        kind = "Buôn" if code in (66, 67) else "Làng"
    elif minority and code <= 20:
        kind = "Bản"
    elif region(c) == "south":
        kind = "Ấp"
    else:
        kind = "Thôn" if rng.random() < 0.7 else "Xóm"
    names = VILLAGE_NAMES.get(kind if kind != "Xóm" else "Thôn", ())
    if not names or (kind in ("Thôn", "Xóm", "Ấp") and rng.random() < 0.55):
        return Unit(kind, str(int(rng.integers(1, 16))))
    return Unit(kind, str(names[int(rng.integers(len(names)))]))


# --- writing -------------------------------------------------------------------------------

PLACE_MODES = ("full", "full_cap", "abbr", "bare", "dash")
_MODE_WEIGHTS = (0.34, 0.16, 0.22, 0.18, 0.10)


@dataclass(frozen=True)
class PlaceStyle:
    """An officer's way of writing places."""

    mode: str = "full"  # one of PLACE_MODES
    lower_abbr: bool = False  # "x. Tân Lập" rather than "X. Tân Lập"
    drop_home_province: float = 0.4  # chance to leave out the book's own province
    drop_home_district: float = 0.15  # ... and its own district (then the province too)
    consistency: float = 0.8  # chance a record follows the habit rather than another mode


def sample_place_style(rng: np.random.Generator) -> PlaceStyle:
    """A writer's habits for places."""
    return PlaceStyle(
        mode=PLACE_MODES[int(rng.choice(len(PLACE_MODES), p=_MODE_WEIGHTS))],
        lower_abbr=bool(rng.random() < 0.3),
        drop_home_province=float(rng.uniform(0.1, 0.7)),
        drop_home_district=float(rng.uniform(0.0, 0.3)),
        consistency=float(rng.uniform(0.7, 0.95)),
    )


def _numbered(name: str) -> bool:
    """Units named by a number ("Phường 5", "Phường VII") keep their kind in writing."""
    return re.fullmatch(r"[0-9]+[A-Z]?|[IVXL]+", name) is not None


def _write_unit(u: Unit, mode: str, first: bool, lower_abbr: bool) -> str:
    keep_kind = mode in ("full", "full_cap", "abbr") or u.kind not in ADMIN_KINDS or _numbered(u.name)
    if not keep_kind or not u.kind:
        return u.name
    if mode == "abbr" and u.kind in _ABBR:
        abbr = _ABBR[u.kind][1 if lower_abbr else 0]
        return f"{abbr}{u.name}" if _numbered(u.name) else f"{abbr} {u.name}"
    kind = u.kind if (first or mode == "full_cap" or u.kind not in ADMIN_KINDS) else u.kind.lower()
    return f"{kind} {u.name}"


def write_units(units: list[Unit], style: PlaceStyle, rng: np.random.Generator,
                prefix: tuple[str, str] | None = None) -> tuple[str, str]:
    """(raw, value) of a place given as units from smallest to largest, optionally after a
    facility prefix (raw, normalized), e.g. ("TYT", "Trạm y tế"). The value spells every unit
    out with its official kind, in the same order: "Thôn 4, Xã Tân Lập, Huyện Đan Phượng"."""
    mode = style.mode if rng.random() < style.consistency else PLACE_MODES[int(rng.integers(len(PLACE_MODES)))]
    sep = " - " if mode == "dash" else ", "
    parts = [_write_unit(u, mode, i == 0 and prefix is None, style.lower_abbr) for i, u in enumerate(units)]
    raw = sep.join(parts)
    value = ", ".join(u.full if u.kind else u.name for u in units)
    if prefix is not None:
        raw, value = f"{prefix[0]} {raw}" if raw else prefix[0], f"{prefix[1]} {value}" if value else prefix[1]
    return raw, value


def place_units(target: Commune, home: Commune, style: PlaceStyle, rng: np.random.Generator,
                village: Unit | None = None) -> list[Unit]:
    """The units an officer of ``home`` would write for a place in ``target``: the levels that
    say the same as the book's own district or province are often left out."""
    units = ([village] if village else []) + [target.commune]
    same_province = target.province == home.province
    same_district = same_province and target.district == home.district
    if same_district and rng.random() < style.drop_home_district:
        return units
    units.append(target.district)
    if same_province and rng.random() < style.drop_home_province:
        return units
    return units + [target.province]
