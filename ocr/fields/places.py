"""Places: kept as written, with unit kinds spelled out in full where that is certain.

"Thôn 4, x. Tân Lập, h. Đan Phượng" -> "Thôn 4, Xã Tân Lập, Huyện Đan Phượng"; "TYT Tân Lập -
Đan Phượng" -> "Trạm y tế Xã Tân Lập, Huyện Đan Phượng". A unit written without its kind gets
it from the pre-2025 administrative units (``ocr.lexicon.admin_units``) only when its name, read
inside the units written after it, fits a single kind; otherwise it is kept as written. Listed
names that nest are never changed (a 1999 book's "Tỉnh Hà Tây" stays). The tree holds the units
of 2024 under their own names and under those older books gave them (``ocr.lexicon.history``:
"Phường Hương Long, Thành phố Huế, Tỉnh Thừa Thiên Huế" nests), and the book's own unit is read
under the names of the book's year.

Units written (or read) without commas between them are told apart by the list: "Xóm 3 Minh Đài
Tân Sơn Phú Thọ" -> "Xóm 3, Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ" when two or more units
nest. A unit the list does not hold, under one it does, becomes the unambiguously closest listed
unit there ("Minh Đắc" under "Tân Sơn" -> "Minh Đài"), flagged and not confident: a reading error
is likelier than an unlisted unit, but an officer must see it. So does a listed unit that cannot
lie in the unit read above it ("Hà Mòn", a commune of Kon Tum, under "Thuận Thành" -> "Hà Mãn").
The book's own unit is taken for a misreading a few letters further off than another unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ocr.fields.cleaning import normalized_flag, unknown_flag
from ocr.fields.fuzzy import closest, tolerance
from ocr.fields.place_words import ADMIN_KINDS, FACILITIES, HOME_PLACES, KIND_LEVEL, UNIT_ABBREVIATIONS, UNIT_KINDS
from ocr.fields.result import Normalized
from ocr.lexicon.admin_units import AdminUnits, admin_units, split_kind
from ocr.lexicon.history import history
from ocr.schema import AdminUnit

LEVELS = ("commune", "district", "province")
# Urban groups lie in wards and towns, rural villages in communes and towns: the kind of the
# commune a village names cannot be the other one.
_NOT_UNDER = {
    **dict.fromkeys(("Tổ", "Tổ dân phố", "Khu phố"), "Xã"),
    **dict.fromkeys(("Thôn", "Xóm", "Ấp", "Bản", "Buôn", "Làng"), "Phường"),
}


@dataclass
class _Part:
    kind: str | None  # official kind, None when written without one
    name: str

    @property
    def text(self) -> str:
        """"Kind name", spelt as the units list spells it when it holds the unit."""
        if not self.kind:
            return self.name
        full = f"{self.kind} {self.name}"
        return _index().spelling.get(full.lower(), full)


def named_districts(units: AdminUnits) -> set[tuple[str, str, tuple[str, ...]]]:
    """Every (province, district, communes) of 2024 under every naming of some year: the 2024
    names and those of older books ("Tỉnh Hà Tây", "Thị xã Hà Đông", and its communes)."""
    h = history()
    out: set[tuple[str, str, tuple[str, ...]]] = set()
    for p in units.provinces:
        bare = split_kind(p.name)[1]
        for d in p.districts:
            for year in h.years():
                province_as, district_as = h.named(bare, d.name, year)
                out.add((province_as or p.name, district_as or d.name, d.communes))
    return out


@dataclass(frozen=True)
class _Index:
    """Full names by level and bare name, and the tree to read a name inside its parents: the
    tree of 2024 under its own names and under those older books use (``ocr.lexicon.history``)."""

    by_name: tuple[dict[str, frozenset[str]], ...]  # per level: bare name -> full names
    districts_of: dict[str, frozenset[str]]  # province full -> district fulls
    communes_of: dict[str, frozenset[str]]  # district full (any province) -> commune fulls
    communes_in: dict[tuple[str, str], frozenset[str]]  # (province, district) -> commune fulls
    spelling: dict[str, str]  # lower-case full name -> as the units list spells it


@lru_cache(maxsize=1)
def _index() -> _Index:
    units = admin_units()
    by_name: list[dict[str, set[str]]] = [{}, {}, {}]

    def add(level: int, full: str) -> None:
        by_name[level].setdefault(split_kind(full)[1], set()).add(full)

    districts_of: dict[str, set[str]] = {}
    communes_of: dict[str, set[str]] = {}
    communes_in: dict[tuple[str, str], set[str]] = {}
    for province, district, communes in named_districts(units):
        add(2, province)
        add(1, district)
        districts_of.setdefault(province, set()).add(district)
        communes_in.setdefault((province, district), set()).update(communes)
        communes_of.setdefault(district, set()).update(communes)
        for c in communes:
            add(0, c)
    spelling = {full.lower(): full for full in units.full_names() | districts_of.keys() | communes_of.keys()}

    def frozen(d: dict) -> dict:
        return {k: frozenset(v) for k, v in d.items()}

    return _Index(by_name=tuple(frozen(level) for level in by_name), districts_of=frozen(districts_of),
                  communes_of=frozen(communes_of), communes_in=frozen(communes_in), spelling=spelling)


_ABBREVIATION = re.compile(
    "^(" + "|".join(re.escape(a) for a in sorted(
        {a.lower() for pair in UNIT_ABBREVIATIONS.values() for a in pair}, key=len, reverse=True
    )) + r")\s*(\S.*)$", re.IGNORECASE,
)
_KIND_OF_ABBREVIATION = {a.lower(): kind for kind, pair in UNIT_ABBREVIATIONS.items() for a in pair}
# Capital abbreviations of two letters or more, their dot left out ("TX Bình Minh"): one letter
# alone ("T Bình") is too often a stray mark or a word misread to be taken for a kind.
_UNDOTTED = re.compile(
    "^(" + "|".join(sorted((a[:-1] for a, _ in UNIT_ABBREVIATIONS.values() if a.endswith(".") and len(a) > 2),
                           key=len, reverse=True)) + r")\s+(\S.*)$")
_ADMIN_WORD = re.compile(
    r"(?:^|\s)(?:" + "|".join(sorted(ADMIN_KINDS, key=len, reverse=True)) + r")(?:\s|$)", re.IGNORECASE)
_KIND_WORDS = frozenset(k.lower() for k in UNIT_KINDS) | {a.rstrip(".") for a in _KIND_OF_ABBREVIATION}
_FACILITY_PREFIXES = sorted(
    ((raw, norm, LEVELS.index(level)) for level, raws, norm in FACILITIES for raw in raws),
    key=lambda f: len(f[0]), reverse=True,
)


def _parse_part(text: str) -> _Part:
    """One comma- or dash-separated part: its kind (written in full or abbreviated) and name."""
    return _Part(*_kind_and_name(text))


@lru_cache(maxsize=8192)
def _kind_and_name(text: str) -> tuple[str | None, str]:
    lower = text.lower()
    for kind in UNIT_KINDS:
        if lower.startswith(kind.lower() + " ") and len(text) > len(kind) + 1:
            return kind, text[len(kind) + 1:].strip()
    m = _ABBREVIATION.match(text)
    if m:
        return _KIND_OF_ABBREVIATION[m.group(1).lower()], m.group(2).strip()
    m = _UNDOTTED.match(text)
    if m:
        return _KIND_OF_ABBREVIATION[m.group(1).lower() + "."], m.group(2).strip()
    return None, text


def _split(rest: str) -> list[str]:
    """The parts of a place: by commas, else by dashes; a dash inside a known unit name
    ("Quảng Nam - Đà Nẵng") is kept."""
    pieces = [p.strip() for p in (rest.split(",") if "," in rest else rest.split(" - "))]
    pieces = [p for p in pieces if p]
    by_name = _index().by_name
    out: list[str] = []
    for piece in pieces:
        joined = f"{_parse_part(out[-1]).name} - {piece}" if out else ""
        if out and any(joined in names for names in by_name):
            out[-1] = f"{out[-1]} - {piece}"
        else:
            out.append(piece)
    return out


def _options(level: int, part: _Part) -> list[str]:
    """Full names the part may stand for at ``level``: as written when it has a kind."""
    if part.kind:
        return [part.text]
    return sorted(_index().by_name[level].get(part.name, frozenset()))


def _fits(commune: str | None, district: str | None, province: str | None) -> bool:
    """Whether the units lie inside each other; a unit the tree does not hold (or one not given)
    fits anything."""
    idx = _index()
    if district and province in idx.districts_of and district not in idx.districts_of[province]:
        return False
    if commune and district:
        pool = idx.communes_in.get((province, district)) if province else None
        pool = pool if pool is not None else idx.communes_of.get(district)
        if pool is not None and commune not in pool:
            return False
    if commune and not district and province in idx.districts_of:
        if not any(commune in idx.communes_in[(province, d)] for d in idx.districts_of[province]):
            return False
    return True


def _levels(parts: list[_Part], start: int) -> list[int]:
    """The level of each administrative part: consecutive from ``start``, or as its kind says."""
    levels: list[int] = []
    level = start
    for part in parts:
        known = KIND_LEVEL.get(part.kind) if part.kind else None
        if known is not None and known >= level:
            level = known
        levels.append(level)
        level += 1
    return levels


@dataclass
class _Reading:
    """Kinds for the parts written without one, parts that fit several kinds, and how many
    parts were found in the units list, nested inside each other."""

    kinds: dict[int, str]
    ambiguous: set[int]
    found: int


def _read(parts: list[_Part], start: int, village: str | None) -> _Reading:
    """The readings of the parts that nest (commune in district in province) and find the most
    of them in the units list; a bare part gets a kind when all those readings agree on it."""
    levels = _levels(parts, start)
    if any(lv > 2 for lv in levels):
        return _Reading({}, set(), 0)
    at = dict(zip(levels, range(len(parts))))
    options: dict[int, list[str | None]] = {lv: [*_options(lv, parts[i]), None] for lv, i in at.items()}
    if 0 in options and village in _NOT_UNDER and parts[at[0]].kind is None:
        options[0] = [f for f in options[0] if f is None or split_kind(f)[0] != _NOT_UNDER[village]]
    best, picks = -1, {lv: set() for lv in at}
    for province in options.get(2, [None]):
        for district in options.get(1, [None]):
            if not _fits(None, district, province):
                continue
            for commune in options.get(0, [None]):
                if not _fits(commune, district, province):
                    continue
                combo = {0: commune, 1: district, 2: province}
                found = sum(combo[lv] is not None for lv in at)
                if found > best:
                    best, picks = found, {lv: set() for lv in at}
                if found == best:
                    for lv in at:
                        picks[lv].add(combo[lv])
    reading = _Reading({}, set(), max(best, 0))
    for lv, i in at.items():
        if parts[i].kind:
            continue
        kinds = {split_kind(f)[0] if f else None for f in picks[lv]}
        if lv == 2 and kinds == {None}:  # provinces were split and renamed: read it alone
            kinds = {split_kind(f)[0] for f in options[2] if f}
        if len(kinds) == 1 and None not in kinds:
            reading.kinds[i] = kinds.pop()
        elif len(kinds - {None}) > 1:
            reading.ambiguous.add(i)
    return reading


def _readings(parts: list[_Part], start: int) -> tuple[list[_Part], _Reading]:
    """The best reading of the parts: villages first, then units; a last "village" whose whole
    text is a commune's name ("Bản Phiệt") is also tried as that commune."""
    admin = [i for i, p in enumerate(parts) if p.kind is None or p.kind in ADMIN_KINDS]
    first = admin[0] if admin else len(parts)
    if admin != list(range(first, len(parts))):
        return parts, _Reading({}, set(), 0)  # units before a village: not a form we read
    options = [(parts, first)]
    if first and parts[first - 1].kind not in ADMIN_KINDS and parts[first - 1].text in _index().by_name[0]:
        bare = [*parts[:first - 1], _Part(None, parts[first - 1].text), *parts[first:]]
        options.append((bare, first - 1))
    best: tuple[list[_Part], _Reading] | None = None
    for candidate, cut in options:
        village = candidate[cut - 1].kind if cut else None
        reading = _read(candidate[cut:], start, village)
        reading = _Reading({cut + i: k for i, k in reading.kinds.items()},
                           {cut + i for i in reading.ambiguous}, reading.found)
        if best is None or reading.found > best[1].found:
            best = (candidate, reading)
    assert best is not None
    return best


MAX_UNIT_WORDS = 4  # words in one unit's name, its kind word included ("Thị trấn Phong Điền")


def _listed(parts: list[_Part]) -> int:
    """How many parts are administrative units that the units list holds: as written (kind and
    name) when a kind is written, by name at any level otherwise."""
    idx = _index()
    admin = [p for p in parts if p.kind is None or p.kind in ADMIN_KINDS]
    return sum(1 for p in admin
               if (p.text.lower() in idx.spelling if p.kind else any(p.name in lv for lv in idx.by_name)))


def _resegment(rest: str, start: int, home: AdminUnit | None) -> tuple[list[_Part], _Reading, bool] | None:
    """The place read again with its separators ignored, when commas between units were not
    written or not read ("Xóm 3 Minh Đài Tân Sơn Phú Thọ"): the last words are cut into units
    that nest, the words before them are one village part. A unit misread by a letter or two
    is taken as the closest unit of the unit found above it, or the book's own unit (reported
    by the third value). None when no cut finds two or more nested units, or the book's unit."""
    words = re.sub(r"\s+-\s+|,", " ", rest).split()
    best: tuple[int, int, list[_Part], _Reading, bool] | None = None
    for cuts in _cuts(len(words), 3 - start):
        bounds = [len(words) - sum(cuts[i:]) for i in range(len(cuts))] + [len(words)]
        written = [_parse_part(" ".join(words[a:b])) for a, b in zip(bounds, bounds[1:])]
        if any(p.kind and p.kind not in ADMIN_KINDS for p in written):
            continue  # a village is not a unit
        if any(not p.name or p.name.lower().rstrip(".") in _KIND_WORDS for p in written):
            continue  # a kind alone ("Thành phố") is not a unit's name
        village = [_parse_part(" ".join(words[:bounds[0]]))] if bounds[0] else []
        if village and village[0].kind is None and village[0].name.lower().rstrip(".") in _KIND_WORDS:
            continue  # "Thôn" alone: the village's name was cut off into the units
        if _ADMIN_WORD.search(" ".join(words[1:bounds[0]])):
            continue  # "Tổ 6 Phường Hương Long ...": a unit written out cannot be part of the village
        short = [words[a].endswith(".") and len(words[a]) <= 3 for a in bounds[:-1]]  # "X.", "h.", "TX."
        for level in range(start, 4 - len(written)):
            wrong = [i for i, p in enumerate(written) if p.kind and KIND_LEVEL.get(p.kind) not in (None, level + i)]
            if any(not short[i] for i in wrong):
                continue  # a unit whose kind, written out, says another level ("Xã" read as a district)
            # an abbreviated kind that says another level was misread ("X. Nghệ An" for "T. Nghệ An")
            units, fixed, at_home = _closest_units(
                [_Part(None, p.name) if i in wrong else p for i, p in enumerate(written)], level, home)
            fixed += len(wrong)
            reading = _read(units, level, None)
            key = (reading.found, -fixed)
            sure = at_home or (reading.found >= 2 and reading.found > fixed)
            if reading.found < len(units) or not sure or (best is not None and key <= best[:2]):
                continue
            best = (*key, village + units, _Reading({i + len(village): k for i, k in reading.kinds.items()},
                                                    {i + len(village) for i in reading.ambiguous}, reading.found),
                    bool(fixed))
    return None if best is None else best[2:]


@lru_cache(maxsize=64)
def _cuts(n: int, levels: int) -> list[tuple[int, ...]]:
    """Word counts of the last 1..``levels`` units (each 1..MAX_UNIT_WORDS), longest cover first."""
    out: list[tuple[int, ...]] = [()]
    for _ in range(levels):
        out += [(k, *c) for c in out if len(c) < levels for k in range(1, MAX_UNIT_WORDS + 1)]
    return sorted({c for c in out if c and sum(c) <= n}, key=lambda c: (-len(c), -sum(c)))


def _home_unit(home: AdminUnit | None, level: int) -> _Part | None:
    """The book's own unit at ``level`` (0 commune, 1 district, 2 province), if the book says."""
    full = home and (home.commune, home.district, home.province)[level]
    return _Part(*split_kind(full)) if full else None


def _held(part: _Part, level: int) -> bool:
    idx = _index()
    return part.text.lower() in idx.spelling if part.kind else part.name in idx.by_name[level]


def _inside(part: _Part, level: int, parent: _Part) -> bool:
    """Whether a listed unit may lie in the unit read above it (always, when that one is not listed)."""
    if not _held(parent, level + 1):
        return True
    above = _options(level + 1, parent)
    for full in _options(level, part):
        if any(_fits(full, p, None) if level == 0 else _fits(None, full, p) for p in above):
            return True
    return False


def _closest_units(units: list[_Part], level: int, home: AdminUnit | None = None) -> tuple[list[_Part], int, bool]:
    """The units with each one the list does not hold, or that cannot lie in the unit read above
    it, replaced by the closest listed unit where it must lie: the unambiguously closest child of
    the unit read above (provinces: one holding the district read below), else the book's own
    unit when the unit read above is the book's too (or none is read above) and it is close
    enough. Returns the units, how many were replaced, and whether the last one is the book's own
    unit."""
    idx, fixed, out = _index(), 0, list(units)
    for i in range(len(out) - 1, -1, -1):
        lv = level + i
        parent = out[i + 1] if i + 1 < len(out) else None
        if _held(out[i], lv) and (parent is None or _inside(out[i], lv, parent)):
            continue
        own = _home_unit(home, lv)
        if own is not None and parent is not None:  # the book's unit, under the book's parent unit
            above = _home_unit(home, lv + 1)
            own = own if above is not None and parent.name == above.name else None
        if lv == 2:  # the provinces holding the district below
            below = set(_options(1, out[i - 1])) if i > 0 and _held(out[i - 1], 1) else set()
            pool = sorted({split_kind(p)[1] for p, ds in idx.districts_of.items() if ds & below})
        else:
            fulls = _options(lv + 1, parent) if parent else []
            children = idx.districts_of if lv == 1 else idx.communes_of
            pool = sorted({split_kind(c)[1] for f in fulls for c in children.get(f, ())})
        key = _closest_in(out[i].name, tuple(pool), False)
        if key is not None:
            out[i], fixed = _Part(out[i].kind, key), fixed + 1
        elif own is not None and _closest_in(out[i].name, (own.name,), True) is not None:
            out[i], fixed = own, fixed + 1
    last = _home_unit(home, level + len(out) - 1)
    at_home = bool(out) and last is not None and out[-1].name == last.name and out[-1].kind in (None, last.kind)
    return out, fixed, at_home


HOME_SLACK = 2.0  # the book's own unit, misread syllable for syllable, may be this many times further


@lru_cache(maxsize=4096)
def _closest_in(name: str, pool: tuple[str, ...], home: bool) -> str | None:
    """The listed name of ``pool`` that ``name`` is a misreading of: the unambiguously closest,
    or for the book's own unit (``home``, a pool of one) the one if close enough, allowing more
    when the syllables are as many (a unit must not swallow its neighbour's words)."""
    match = closest(name, pool) if pool else None
    if match is None:
        return None
    if home:
        slack = HOME_SLACK if len(name.split()) == len(match.key.split()) else 1.0
        return match.key if match.distance <= slack * tolerance(match.key) else None
    return match.key if match.unambiguous else None


def _stray(piece: str) -> bool:
    """A part of one or two letters that is no unit, no number and no kind: a stray mark read."""
    return (len(piece) <= 2 and piece.isalpha() and piece.lower() not in _KIND_WORDS
            and not any(piece in level for level in _index().by_name))


def home_as_of(home: AdminUnit, year: int | None) -> AdminUnit:
    """The book's unit (named as in 2024) under the names its book's ``year`` used ("Thành phố
    Huế", "Quận Phú Xuân" -> "Tỉnh Thừa Thiên Huế", "Thành phố Huế")."""
    if year is None or not home.district:
        return home
    province_as, district_as = history().named(split_kind(home.province)[1], home.district, year)
    if not (province_as or district_as):
        return home
    return home.model_copy(update={"province": province_as or home.province, "district": district_as or home.district})


def normalize_place(text: str, home: AdminUnit | None = None, year: int | None = None) -> Normalized:
    """A place (cleaned, not empty) with unit kinds and facility names spelled out; ``home`` is
    the book's unit and ``year`` its year (a misread unit may be read as the unit under the name
    that year gave it). A misread of a phrase for home ("Tại nhà 6") is read as that phrase, not
    confidently."""
    home = home_as_of(home, year) if home is not None else None
    home_place = _closest_in(text, HOME_PLACES, False) if not _held(_Part(None, text), 0) else None
    if home_place is not None:
        if home_place == text:
            return Normalized(text, (), True)
        return Normalized(home_place, (normalized_flag("read as the closest phrase for a home"),), False)
    prefix, start, rest = "", 0, text
    for raw, norm, level in _FACILITY_PREFIXES:
        if text.lower() == raw.lower() or text.lower().startswith(raw.lower() + " "):
            prefix, start, rest = norm, level, text[len(raw):].strip()
            break
    pieces = _split(rest) if rest else []
    flags, confident = [], True
    if len(pieces) > 1 and _stray(pieces[0]):  # "A, Xã Minh Đài": a mark read as a letter or two
        pieces, rest, confident = pieces[1:], ", ".join(pieces[1:]), False
        flags.append(normalized_flag("a stray letter or two before the place left out"))
    parts, reading = _readings([_parse_part(p) for p in pieces], start)
    held = min(_listed(parts), reading.found)  # listed units that nest
    # more words than those units, and a level left that none fills: cutting may find more
    if held < 3 - start and len(rest.split()) > held + 1:
        again = _resegment(rest, start, home)
        if again is not None and again[1].found > held:
            parts, reading, fixed = again
            flags.append(normalized_flag("units told apart by the list of administrative units"))
            if fixed:
                flags.append(normalized_flag("a unit misread by a letter or two taken as the closest listed unit"))
                confident = False
    for i, kind in reading.kinds.items():
        parts[i].kind = kind
    value = ", ".join(p.text for p in parts)
    value = f"{prefix} {value}".strip() if prefix else value
    if reading.kinds:
        flags.append(normalized_flag("unit kinds completed from the list of administrative units"))
    if reading.ambiguous:
        flags.append(unknown_flag("place", "a unit written without its kind fits several kinds; kept as written"))
    return Normalized(value, tuple(flags), confident and not reading.ambiguous)
