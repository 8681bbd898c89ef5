"""Believable, consistent record contents for synthetic ledger pages.

``BookContentGenerator`` plays one book (type, year, registering commune): a sequence of
registration numbers and dates, the book's officers with their writing habits, and for each
record one set of consistent facts (a child with its parents, a deceased with the declarant,
two spouses...) rendered field by field as the officer wrote them (``raw``) next to the
normalized truth (``value``). Fields are found by their Ministry key: a role prefix (``nks``
child, ``me`` mother, ``cha`` father, ``nyc`` declarant, ``nkt`` deceased, ``chong`` husband,
``vo`` wife, ``cm`` parent and ``nc`` child of a recognition, ``ncn``/``chaNuoi``/``meNuoi``/
``chaDe``/``meDe`` of an adoption) and an attribute suffix (``HoTen``, ``NgaySinh``...); keys the
generator does not know get content by their field type. Everything is drawn from the given
numpy Generator: same seed and calls, same output.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from ocr import lexicon
from ocr.fields.roles import MAIN_ROLE, ROLES, split_key  # noqa: F401  (ROLES, split_key re-exported)
from ocr.ministry import LOAI_CU_TRU, LOAI_DANG_KY, LOAI_GIAY_TO
from ocr.templates import FieldType
from training.synth import dates as D
from training.synth import phrases as X
from training.synth.people import Name, Person, Weighted, ethnic_mix, name_maker
from training.synth.places import (
    Commune, PlaceStyle, Unit, as_of, commune_of, nearby_commune, place_units, random_unit,
    random_village, region, sample_place_style, write_units,
)

__all__ = ["BookContentGenerator", "FieldContent", "random_unit", "split_key"]

FIELD_TYPES = frozenset(get_args(FieldType))
# The signer's title as written: official title -> its spellings, "{unit}" for the commune's kind.
TITLE_FORMS = {t.name: t.spellings for t in lexicon.title_forms()}
# Dân tộc written for foreigners where the group is also one of Vietnam's; else left empty.
_FOREIGN_ETHNICITY = {"Trung Quốc": "Hoa", "Đài Loan": "Hoa", "Lào": "Lào", "Campuchia": "Khơ Me"}
EXPECTED_PER_YEAR = {"KS": (60, 400), "KT": (20, 150), "KH": (20, 150), "CMC": (3, 25), "NCN": (2, 12)}


@dataclass(frozen=True)
class FieldContent:
    """What the officer wrote (``raw``, "" if empty) and the normalized truth (``value``)."""

    raw: str  # exactly as written, NFC; "" if left empty
    value: str | None  # ISO date, official name, digits...; None when empty

    def __post_init__(self) -> None:
        raw = unicodedata.normalize("NFC", self.raw)
        object.__setattr__(self, "raw", raw)
        value = None if not raw or self.value is None else unicodedata.normalize("NFC", self.value)
        object.__setattr__(self, "value", value)


EMPTY = FieldContent("", None)


def _era(year: int) -> float:
    """How much the era leaves fields empty: 1995-1998 books most, 2006 books least."""
    return 1.0 if year <= 1998 else (0.3 if year <= 2005 else 0.15)


# Chance (times the era factor) that an officer left an attribute empty.
_BLANK_MAIN = {
    "GioiTinh": 0.01, "NgaySinhBangChu": 0.05, "DanToc": 0.12, "QuocTich": 0.2, "NoiSinh": 0.05,
    "QueQuan": 0.45, "NoiCuTru": 0.1, "LoaiCuTru": 0.5, "NgayChetGhiBangChu": 0.1,
    "GioPhutChet": 0.45, "NoiChet": 0.1, "NguyenNhanChet": 0.3,
}
_BLANK_OTHER = {
    "GioiTinh": 0.05, "NgaySinh": 0.35, "DanToc": 0.3, "QuocTich": 0.35, "NoiCuTru": 0.2,
    "QueQuan": 0.5, "NoiSinh": 0.15, "LoaiCuTru": 0.5, "QuanHe": 0.1, "QHNguoiDuocNhan": 0.1,
    "QHNguoiNhan": 0.2,
}
_BLANK_BOOK = {"nguoiKy": 0.35, "chucVuNguoiKy": 0.4, "nguoiThucHien": 0.5, "noiDangKy": 0.6}
_DEATH_ATTRS = ("NgayChet", "NgayChetGhiBangChu", "GioPhutChet", "NoiChet", "NguyenNhanChet")
_PAPER_ATTRS = ("LoaiGiayToTuyThan", "SoGiayToTuyThan", "NgayCapGiayToTuyThan", "NoiCapGiayToTuyThan")


# --- writers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Writer:
    """An officer keeping the book, with writing habits."""

    name: Name
    date_fmt: str
    words: D.WordStyle
    place: PlaceStyle
    year_only_parents: float  # chance a parent's birth is written as a year only
    upper_names: float  # chance a name is written in capitals
    alias_rate: float  # chance a minority ethnic name is written under an older name
    number_fmt: str  # "plain", "pad" or "year"
    gender_words: tuple[str, str]  # how Nam / Nữ are written for a child
    vn: str  # how "Việt Nam" is written
    time_fmt: str
    title_variant: int


_TIME_FORMATS = ("{h} giờ {m} phút", "{h}h{mm}", "{h} giờ {mm}", "{h}g{mm}", "{h} giờ {m}'")


def _sample_writer(rng: np.random.Generator, name: Name, year: int) -> Writer:
    early = year <= 1998
    return Writer(
        name=name,
        date_fmt=D.sample_numeric_format(rng),
        words=D.sample_word_style(rng),
        place=sample_place_style(rng),
        year_only_parents=float(rng.uniform(0.3, 0.7) if early else rng.uniform(0.05, 0.35)),
        upper_names=float(rng.choice([0.0, 0.0, 0.05, 0.6, 1.0] if year >= 2006 else [0.0, 0.0, 0.0, 0.05, 0.8])),
        alias_rate=float(rng.uniform(0.2, 0.6) if early else rng.uniform(0.0, 0.25)),
        number_fmt=str(rng.choice(["plain", "pad", "year"], p=[0.72, 0.14, 0.14])),
        gender_words=[("Nam", "Nữ"), ("nam", "nữ"), ("Trai", "Gái")][int(rng.choice(3, p=[0.72, 0.1, 0.18]))],
        vn=str(rng.choice(["Việt Nam", "VN", "Việt-Nam"], p=[0.8, 0.12, 0.08])),
        time_fmt=_TIME_FORMATS[int(rng.integers(len(_TIME_FORMATS)))],
        title_variant=int(rng.integers(5)),
    )


# --- one record's facts --------------------------------------------------------------------


@dataclass
class _Record:
    reg_date: dt.date
    number: int
    writer: Writer
    signer: tuple[Name, str]  # name, title (normalized)
    reg_type: int = 1  # Ministry loaiDangKy code
    people: dict[str, Person] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # roles whose fields are all left empty
    relation: dict[str, lexicon.Relationship] = field(default_factory=dict)  # nyc -> relationship
    note: str = ""
    extra: dict = field(default_factory=dict)  # death facts, recognition facts...


def _later_date(rng: np.random.Generator, after: dt.date, last_year: int = 2012) -> dt.date:
    return D.random_date(rng, D.add_days(after, 30), dt.date(max(after.year + 1, last_year), 12, 31))


class BookContentGenerator:
    """Record contents of one book: ``book_type`` (KS, KT, KH, CMC, NCN), ``year``, the
    registering commune ``unit`` (``ocr.schema.AdminUnit`` keys), numbers from ``first_number``."""

    def __init__(self, book_type: str, year: int, unit: dict, rng: np.random.Generator, first_number: int = 1):
        if book_type not in MAIN_ROLE:
            raise ValueError(f"unknown book type {book_type!r}; expected one of {sorted(MAIN_ROLE)}")
        self.book_type = book_type
        self.year = int(year)
        self.rng = rng
        self.era = _era(self.year)
        self.unit = unit
        self.commune = commune_of(unit)  # as the data names it (pre-2025)
        self.home = as_of(self.commune, self.year)  # as the book names it
        self.region = region(self.commune)
        self.mix: Weighted = ethnic_mix(self.commune.province.name)
        self.names = name_maker()
        self._next = int(first_number)
        self._last: int | None = None
        self._count = 0
        self.volume = int(rng.integers(1, 4))
        lo, hi = EXPECTED_PER_YEAR[book_type]
        self._mean_gap = 365.0 / float(rng.integers(lo, hi + 1))
        self._day = dt.date(self.year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 6)))
        self._writers = self._staff()
        self._signers = self._sign_staff()

    # -- book-level state --

    @property
    def next_number(self) -> int:
        """The number the next record would get (for a following book that continues it)."""
        return self._next

    def _adult(self, born: tuple[int, int], gender: str | None = None) -> Name:
        rng = self.rng
        gender = gender or ("Nam" if rng.random() < 0.5 else "Nữ")
        year = int(rng.integers(*born))
        return self.names.make(rng, gender, self.mix.draw(rng), year, self.region)

    def _staff(self) -> list[tuple[dt.date, Writer]]:
        """The officer(s) keeping the book: one, sometimes a second from some date on."""
        rng = self.rng
        first = _sample_writer(rng, self._adult((1950, 1976)), self.year)
        staff = [(dt.date(self.year, 1, 1), first)]
        if rng.random() < 0.25:
            start = dt.date(self.year, int(rng.integers(3, 11)), 1)
            staff.append((start, _sample_writer(rng, self._adult((1955, 1980)), self.year)))
        return staff

    def _sign_staff(self) -> list[tuple[dt.date, Name, Name]]:
        """Chairman and vice-chairman; sometimes a new chairman from some date on."""
        rng = self.rng
        staff = [(dt.date(self.year, 1, 1), self._adult((1940, 1966), "Nam" if rng.random() < 0.9 else "Nữ"),
                  self._adult((1945, 1970), "Nam" if rng.random() < 0.8 else "Nữ"))]
        if rng.random() < 0.1:
            start = dt.date(self.year, int(rng.integers(3, 12)), 1)
            staff.append((start, self._adult((1945, 1970), "Nam"), staff[0][2]))
        return staff

    def _take_number(self) -> int:
        rng = self.rng
        u = rng.random()
        if u < 0.01 and self._last is not None:  # the same number written twice
            return self._last
        if u < 0.02:  # numbers skipped
            self._next += int(rng.integers(1, 4))
        n = self._next
        self._next += 1
        self._last = n
        return n

    def _take_date(self) -> dt.date:
        rng = self.rng
        gap = int(rng.exponential(self._mean_gap))
        d = min(D.add_days(self._day, gap), dt.date(self.year, 12, 31))
        if d.weekday() == 6 and rng.random() < 0.9 and d.month * 100 + d.day < 1231:
            d = D.add_days(d, 1)  # Sunday -> Monday
        self._day = d
        return d

    # -- records --

    def next_record(self, fields: list[tuple[str, str]]) -> dict[str, FieldContent]:
        """Content for every ``(key, field_type)`` of the template: one consistent record."""
        unknown = {t for _, t in fields} - FIELD_TYPES
        if unknown:
            raise ValueError(f"unknown field types {sorted(unknown)}; expected some of {sorted(FIELD_TYPES)}")
        rng = self.rng
        reg = self._take_date()
        writer = next(w for start, w in reversed(self._writers) if reg >= start)
        chair, vice = next((c, v) for start, c, v in reversed(self._signers) if reg >= start)
        signer = (chair, "Chủ tịch") if rng.random() < 0.8 else (vice, "Phó Chủ tịch")
        rec = _Record(reg_date=reg, number=self._take_number(), writer=writer, signer=signer)
        getattr(self, f"_make_{self.book_type.lower()}")(rec)
        self._papers(rec)
        self._count += 1
        return {key: self._field(rec, key, ftype) for key, ftype in fields}

    # -- people --

    def _birthday(self, year: int) -> dt.date:
        return D.birthday_in_year(self.rng, year)

    def _person(self, gender: str, birth: dt.date, ethnicity: str, *, surname: str | None = None,
                residence: Commune | None = None, year_only: bool = False) -> Person:
        rng = self.rng
        residence = residence or self.home
        name = self.names.make(rng, gender, ethnicity, birth.year, self.region, surname)
        return Person(name=name, gender=gender, birth=birth, year_only=year_only, ethnicity=ethnicity,
                      residence=residence, village=random_village(rng, residence, ethnicity != "Kinh"),
                      hometown=residence)

    def _local(self, p_same: float = 0.55) -> Commune:
        """A commune near the book's own one, named as in the book's year."""
        return as_of(nearby_commune(self.rng, self.commune, p_same=p_same), self.year)

    def _foreign(self, person: Person, p: float, among: tuple[str, ...]) -> None:
        """Rarely make a person a foreigner of one of ``among`` (near borders, marriages);
        the name is drawn again after the matching custom."""
        rng = self.rng
        if rng.random() >= p:
            return
        others = [n for n in lexicon.nationalities() if n.name in among]
        nat = Weighted(others, [n.weight for n in others]).draw(rng)
        person.nationality = nat.name
        person.ethnicity = _FOREIGN_ETHNICITY.get(nat.name, "")
        person.name = self.names.make(rng, person.gender, person.ethnicity or "Hoa", person.birth.year, self.region)

    def _parent_age(self, low: int = 18, high: int = 45, mode: float = 25.0) -> int:
        return int(np.clip(round(self.rng.normal(mode, 5.0)), low, high))

    # -- KS: birth --

    def _make_ks(self, rec: _Record) -> None:
        rng = self.rng
        reg = rec.reg_date
        u = rng.random()
        if u < 0.02:  # re-registration of a lost record, often an adult
            rec.reg_type = 2
            birth = D.random_date(rng, dt.date(1945, 1, 1), D.add_days(reg, -400))
        elif u < 0.07:  # registered years late
            rec.reg_type = 4
            birth = D.add_days(reg, -int(rng.integers(366, 15 * 365)))
        elif u < 0.10:  # registered months late
            rec.reg_type = 4
            birth = D.add_days(reg, -int(rng.integers(61, 366)))
        else:
            birth = D.add_days(reg, -int(min(60, rng.gamma(2.0, 8.0))))
        eth_father = self.mix.draw(rng)
        eth_mother = eth_father if rng.random() < 0.85 else self.mix.draw(rng)
        father_absent = rng.random() < 0.035
        mother_age = self._parent_age(18, 45, 25.5)
        father_age = int(np.clip(mother_age + round(rng.normal(3.5, 3.0)), max(18, mother_age - 5), 45))
        home = self.home if rng.random() < 0.9 else self._local(0.0)
        father = self._person("Nam", self._birthday(birth.year - father_age), eth_father, residence=home)
        mother = self._person("Nữ", self._birthday(birth.year - mother_age), eth_mother,
                              residence=home if rng.random() < 0.9 else self._local())
        mother.village = father.village if mother.residence == home else mother.village
        self._foreign(father, 0.002, ("Trung Quốc", "Lào", "Campuchia"))
        father.hometown = as_of(nearby_commune(rng, self.commune, 0.5, 0.2, 0.15), self.year)
        eth_child = eth_mother if father_absent or rng.random() < 0.2 else father.ethnicity
        eth_child = eth_child or eth_mother or "Kinh"
        lineage = self.names.lineage(eth_child)
        if lineage == "maternal" or father_absent or rng.random() < 0.015:
            surname = mother.name.surname
        else:
            surname = father.name.surname
        child = self._person("Nam" if rng.random() < 0.52 else "Nữ", birth, eth_child,
                             surname=surname if lineage != "none" else None, residence=mother.residence)
        child.village = mother.village
        child.hometown = father.hometown if not father_absent else mother.hometown
        child.birthplace = self._birthplace(rec, mother.residence or self.home, child)
        for parent in (father, mother):
            parent.year_only = rng.random() < rec.writer.year_only_parents
        rec.people.update(nks=child, cha=father, me=mother)
        if father_absent or rng.random() < 0.08 * self.era:
            rec.absent.add("cha")
        if rng.random() < 0.01 * self.era:
            rec.absent.add("me")
        if child.age_on(reg) >= 16 and rng.random() < 0.7:
            rel = self._relationship("Bản thân")
            rec.people["nyc"], rec.relation["nyc"] = child, rel
        else:
            self._declarant(rec, "nks", exclude_paternal=father_absent)
        rec.note = self._note(rec, late=rec.reg_type, father_later=father_absent)

    def _birthplace(self, rec: _Record, where: Commune, child: Person) -> tuple[str, str]:
        rng = self.rng
        minority = child.ethnicity != "Kinh"
        p_home = (0.5 if minority else 0.2) * (1.0 if self.year <= 1998 else 0.5)
        u = rng.random()
        if u < p_home * 0.35:
            text = str(rng.choice(X.HOME_BIRTH))
            return text, text
        if u < p_home:
            return self._address(rec, where, child.village)
        return self._facility(rec, where, weights=(0.45, 0.05 * self.era * 2, 0.18, 0.08, 0.19, 0.05))

    def _facility(self, rec: _Record, where: Commune, weights: tuple[float, ...]) -> tuple[str, str]:
        rng = self.rng
        level, raws, norm = X.FACILITIES[int(Weighted(list(range(len(weights))), list(weights)).draw(rng))]
        raw_prefix = str(raws[int(rng.integers(len(raws)))])
        style = rec.writer.place
        units = place_units(where, self.home, style, rng)
        units = {"commune": units, "district": units[1:], "province": [where.province]}[level]
        return write_units(units or [where.district], style, rng, prefix=(raw_prefix, norm))

    def _address(self, rec: _Record, where: Commune, village: Unit | None) -> tuple[str, str]:
        rng = self.rng
        village = village if rng.random() < 0.7 else None
        return write_units(place_units(where, self.home, rec.writer.place, rng, village), rec.writer.place, rng)

    # -- declarants --

    def _relationship(self, name: str) -> lexicon.Relationship:
        return next(r for r in lexicon.relationships() if r.name == name)

    def _declarant(self, rec: _Record, of: str, *, exclude_paternal: bool = False) -> None:
        """Choose the declarant of person ``rec.people[of]`` by the book type's weights, keeping
        only relationships that fit the person's age and gender."""
        rng = self.rng
        person = rec.people[of]
        age = person.age_on(rec.reg_date)
        options, weights = [], []
        for rel in lexicon.relationships():
            w = rel.weights.get(self.book_type, 0.0)
            if w <= 0 or (exclude_paternal and (rel.side == "paternal" or rel.name == "Cha")):
                continue
            if rel.kind == "spouse" and (rel.gender == person.gender or age < 18):
                continue
            lo, hi = self._declarant_ages(rec, rel, age)
            if hi < 18 or lo > 95 or max(lo, 18) > min(hi, 95):
                continue
            options.append(rel)
            weights.append(w)
        if not options:
            rec.absent.add("nyc")
            return
        rel = Weighted(options, weights).draw(rng)
        rec.relation["nyc"] = rel
        rec.people["nyc"] = self._relative(rec, rel, of)
        if rng.random() < 0.2 * self.era:
            rec.absent.add("nyc")

    @staticmethod
    def _declarant_ages(rec: _Record, rel: lexicon.Relationship, age: int) -> tuple[int, int]:
        """The plausible ages of a declarant related by ``rel`` to a person aged ``age``,
        anchored on the person's parents where the record has them."""
        day = rec.reg_date
        parent = rec.people.get("me" if rel.side == "maternal" else "cha")
        mother = rec.people.get("me")
        if rel.kind == "sibling":
            lo, hi = (age + 2, age + 20) if rel.name in ("Anh", "Chị") else (age - 15, age - 2)
            return (lo, min(hi, mother.age_on(day) - 17)) if mother else (lo, hi)
        if rel.kind == "parent_sibling" and parent:
            return parent.age_on(day) - 12, parent.age_on(day) + 12
        if rel.kind == "grandparent" and parent:
            return parent.age_on(day) + 18, parent.age_on(day) + 35
        if rel.kind == "spouse":
            return age - 8, age + 10
        if rel.kind in ("self", "other"):
            return age, age + 40
        g = rel.generation
        return (age + 18 * g, age + 33 * g) if g > 0 else (age - 33 * -g, age - 18 * -g)

    def _relative(self, rec: _Record, rel: lexicon.Relationship, of: str) -> Person:
        """The declarant as a person consistent with ``rel`` to ``rec.people[of]``."""
        rng = self.rng
        person = rec.people[of]
        if rel.kind == "parent" and self.book_type == "KS":
            return rec.people["cha" if rel.gender == "Nam" else "me"]
        if rel.kind == "self":
            return person
        age = person.age_on(rec.reg_date)
        lo, hi = self._declarant_ages(rec, rel, age)
        lo, hi = max(lo, 18), min(hi, 95)
        years = int(rng.integers(lo, hi + 1))
        gender = rel.gender or ("Nam" if rng.random() < 0.5 else "Nữ")
        if rel.kind == "spouse":
            gender = "Nữ" if person.gender == "Nam" else "Nam"
        surname = self._relative_surname(rec, rel, gender, person)
        birth = self._birthday(rec.reg_date.year - years)
        ethnicity = person.ethnicity or "Kinh"
        relative = self._person(gender, birth, ethnicity, surname=surname, residence=person.residence,
                                year_only=rng.random() < 0.5)
        if rel.kind not in ("other",):
            relative.village = person.village
        return relative

    def _relative_surname(self, rec: _Record, rel: lexicon.Relationship, gender: str, person: Person) -> str | None:
        """The surname a relative shares with the person's family, or None (drawn freely)."""
        lineage = self.names.lineage(person.ethnicity or "Kinh")
        own = person.name.surname
        father, mother = rec.people.get("cha"), rec.people.get("me")
        father_surname = father.name.surname if father else (own if lineage == "paternal" else None)
        mother_surname = mother.name.surname if mother else (own if lineage == "maternal" else None)
        def passes_on(g: str) -> bool:  # whether a person of gender g gives children the surname
            return (lineage, g) in (("paternal", "Nam"), ("maternal", "Nữ"))

        if rel.kind in ("parent", "grandparent"):
            if not passes_on(gender):
                return None  # married into the family
            if rel.kind == "parent":
                return own
        if rel.side == "paternal":
            return father_surname
        if rel.side == "maternal":
            return mother_surname
        if rel.kind == "sibling":
            return own
        if rel.kind in ("child", "grandchild"):
            return own if passes_on(person.gender) else None
        return None

    # -- KT: death --

    def _make_kt(self, rec: _Record) -> None:
        rng = self.rng
        reg = rec.reg_date
        u = rng.random()
        if u < 0.85:
            death = D.add_days(reg, -int(rng.integers(0, 16)))
        elif u < 0.95:
            death = D.add_days(reg, -int(rng.integers(16, 61)))
        else:
            rec.reg_type = 4
            death = D.add_days(reg, -int(rng.integers(61, 5 * 365)))
        a = rng.random()
        if a < 0.04:
            birth = D.add_days(death, -int(rng.integers(0, 365)))
        else:
            age = (int(rng.integers(1, 18)) if a < 0.09 else int(rng.integers(18, 60)) if a < 0.25
                   else int(min(104, 60 + rng.gamma(2.2, 7.0))))
            birth = self._birthday(death.year - age - 1) if rng.random() < 0.5 else self._birthday(death.year - age)
            birth = min(birth, D.add_days(death, -1))
        gender = "Nam" if rng.random() < 0.52 else "Nữ"
        person = self._person(gender, birth, self.mix.draw(rng))
        age = person.age_on(death)
        person.year_only = rng.random() < (0.55 if age >= 50 else 0.2 if age >= 18 else 0.0)
        rec.people["nkt"] = person
        hour = int(rng.integers(0, 24))
        minute = int(rng.choice([0, 0, 15, 30, 45]) if rng.random() < 0.6 else rng.integers(0, 60))
        p_facility = 0.45 if age < 1 else 0.25
        v = rng.random()
        if v < p_facility:
            place = self._facility(rec, person.residence or self.home, weights=(0.25, 0.02, 0.3, 0.08, 0.35, 0.0))
            where = "facility"
        elif v < p_facility + 0.15:
            place, where = self._address(rec, person.residence or self.home, person.village), "address"
        else:
            text = str(rng.choice(X.HOME_DEATH))
            place, where = (text, text), "home"
        cause = next(c for top, c in X.DEATH_CAUSES if age < top)
        rec.extra.update(death=death, time=(hour, minute), place=place, cause=str(rng.choice(cause)))
        p_notice = (0.8 if where == "facility" else 0.1) * (1.0 if self.year >= 2003 else 0.5)
        if rng.random() < p_notice:
            rec.extra["gbt"] = {
                "loai": str(rng.choice(X.DEATH_NOTICE_TYPES[:2] if where != "facility" else X.DEATH_NOTICE_TYPES)),
                "so": int(rng.integers(1, 400)),
                "ngay": min(D.add_days(death, int(rng.integers(0, 4))), reg),
                "cq": place if where == "facility" else self._ubnd(rec),
            }
        self._declarant(rec, "nkt")
        rec.note = self._note(rec, late=rec.reg_type)

    def _ubnd(self, rec: _Record) -> tuple[str, str]:
        """The registering People's Committee: "UBND xã Tân Lập" (value spelled out)."""
        raw = "UBND" if self.rng.random() < 0.7 else "Ủy ban nhân dân"
        units = place_units(self.home, self.home, rec.writer.place, self.rng)
        return write_units(units, rec.writer.place, self.rng, prefix=(raw, "Ủy ban nhân dân"))

    # -- KH: marriage --

    def _make_kh(self, rec: _Record) -> None:
        rng = self.rng
        reg = rec.reg_date
        husband_age = int(np.clip(round(20 + rng.gamma(2.0, 3.0)), 20, 60))
        wife_age = int(np.clip(husband_age - round(rng.normal(3.0, 3.0)), 18, husband_age + 6))
        eth_h = self.mix.draw(rng)
        eth_w = eth_h if rng.random() < 0.85 else self.mix.draw(rng)
        local_is_husband = rng.random() < 0.5
        res_h = self.home if local_is_husband else self._local(0.45)
        res_w = self._local(0.45) if local_is_husband else self.home
        spouses = (("chong", "Nam", husband_age, eth_h, res_h), ("vo", "Nữ", wife_age, eth_w, res_w))
        for role, gender, age, eth, res in spouses:
            birth = self._birthday(reg.year - age)
            if (birth.month, birth.day) > (reg.month, reg.day):  # not yet ``age`` on the day
                birth = D.shift_years(birth, -1)
            year_only = rng.random() < rec.writer.year_only_parents * 0.5
            p = self._person(gender, birth, eth, residence=res, year_only=year_only)
            self._foreign(p, 0.003, ("Trung Quốc", "Đài Loan", "Hàn Quốc", "Lào", "Campuchia"))
            rec.people[role] = p
        rec.note = self._note(rec)

    # -- CMC: parent-child recognition --

    def _make_cmc(self, rec: _Record) -> None:
        rng = self.rng
        reg = rec.reg_date
        child_age = int(min(30, rng.gamma(1.5, 4.0)))
        child_birth = min(self._birthday(reg.year - child_age), D.add_days(reg, -7))
        gender = "Nam" if rng.random() < 0.8 else "Nữ"
        eth = self.mix.draw(rng)
        parent = self._person(gender, self._birthday(child_birth.year - self._parent_age(18, 45, 27)), eth,
                              year_only=rng.random() < rec.writer.year_only_parents)
        parent.hometown = as_of(nearby_commune(rng, self.commune, 0.5), self.year)
        surname = parent.name.surname if gender == "Nam" and rng.random() < 0.6 else None
        child = self._person("Nam" if rng.random() < 0.52 else "Nữ", child_birth, eth, surname=surname)
        child.hometown = parent.hometown
        rec.people.update(cm=parent, nc=child, nyc=parent)
        rec.relation["nyc"] = self._relationship("Cha" if gender == "Nam" else "Mẹ")
        kind = "Nhận cha" if gender == "Nam" else "Nhận mẹ"
        rec.extra["recognition"] = "Nhận con" if rng.random() < 0.4 else kind
        rec.note = self._note(rec)

    # -- NCN: adoption --

    def _make_ncn(self, rec: _Record) -> None:
        rng = self.rng
        reg = rec.reg_date
        child_birth = min(self._birthday(reg.year - int(rng.integers(0, 13))), D.add_days(reg, -20))
        eth = self.mix.draw(rng)
        father = self._person("Nam", self._birthday(reg.year - int(rng.integers(28, 56))), eth)
        mother = self._person("Nữ", self._birthday(reg.year - int(rng.integers(25, 51))), eth)
        mother.village = father.village
        surname = father.name.surname if rng.random() < 0.7 else None
        child = self._person("Nam" if rng.random() < 0.5 else "Nữ", child_birth, eth, surname=surname)
        child.village = father.village
        child.birthplace = self._birthplace(rec, self._local(0.5), child)
        birth_father = self._person("Nam", self._birthday(child_birth.year - self._parent_age()), eth,
                                    residence=self._local(0.4), year_only=True)
        birth_mother = self._person("Nữ", self._birthday(child_birth.year - self._parent_age()), eth,
                                    residence=birth_father.residence, year_only=True)
        rec.people.update(ncn=child, chaNuoi=father, meNuoi=mother, chaDe=birth_father, meDe=birth_mother)
        if rng.random() < 0.15:
            rec.absent.add("chaNuoi")
        if rng.random() < 0.6:
            rec.absent.add("chaDe")
        if rng.random() < 0.4:
            rec.absent.add("meDe")
        rec.note = self._note(rec)

    # -- notes and papers --

    def _decision(self, when: dt.date) -> str:
        """A decision reference as written: "12/QĐ-UB" (before 2004), "12/QĐ-UBND" after."""
        n = int(self.rng.integers(1, 300))
        return f"{n}/QĐ-UB" if when.year < 2004 else f"{n}/QĐ-UBND"

    def _note(self, rec: _Record, late: int = 1, father_later: bool = False) -> str:
        rng = self.rng
        if late == 4 and rng.random() < 0.5:
            return str(rng.choice(X.LATE_DEATH_NOTES if self.book_type == "KT" else X.LATE_NOTES))
        if late == 2 and rng.random() < 0.7:
            return str(rng.choice(X.AGAIN_NOTES))
        templates: tuple[str, ...] = ()
        if father_later and rng.random() < 0.15:
            templates = X.FATHER_LATER_NOTES
        elif rng.random() < 0.06:
            templates = X.CORRECTION_NOTES[self.book_type]
        if not templates:
            return ""
        when = _later_date(rng, rec.reg_date)
        text = str(templates[int(rng.integers(len(templates)))])
        return text.format(qd=self._decision(when), date=D.format_numeric(when, "{d}/{m}/{Y}"))

    def _papers(self, rec: _Record) -> None:
        """Identity papers (CMND) of the adults, written in later books more often."""
        rng = self.rng
        p = 0.05 if self.year <= 1998 else 0.25 if self.year < 2006 else 0.5
        for person in rec.people.values():
            if person.papers is None and person.age_on(rec.reg_date) >= 18 and rng.random() < p:
                issued = D.random_date(rng, min(D.add_days(person.birth, 365 * 16), rec.reg_date), rec.reg_date)
                number = f"{int(rng.integers(10_000_000, 400_000_000)):09d}"
                person.papers = (number, issued)

    # -- rendering -----------------------------------------------------------------------------

    def _blank(self, rec: _Record, role: str | None, attr: str) -> bool:
        if role is None:
            base = _BLANK_BOOK.get(attr, 0.0)
        elif role == MAIN_ROLE[self.book_type]:
            base = _BLANK_MAIN.get(attr, 0.0)
        else:
            base = _BLANK_OTHER.get(attr, 0.0)
        return base > 0 and self.rng.random() < base * self.era

    def _field(self, rec: _Record, key: str, ftype: str) -> FieldContent:
        role, attr = split_key(key)
        if role is None:
            return self._book_field(rec, key, ftype)
        if role in rec.absent:
            return EMPTY
        if role not in rec.people:  # a role this book type does not have
            return self._by_type(rec, ftype, None)
        return EMPTY if self._blank(rec, role, attr) else self._person_field(rec, role, attr, ftype)

    # book-level keys

    def _book_field(self, rec: _Record, key: str, ftype: str) -> FieldContent:
        rng, w = self.rng, rec.writer
        if key == "so":
            return self._number(rec.number, w)
        if key in ("ngayDangKy", "ngayXacLapQuanHeHonNhan"):
            return self._date(rec, rec.reg_date)
        if key == "quyenSo":
            return FieldContent(f"{self.volume:02d}" if rng.random() < 0.5 else str(self.volume), str(self.volume))
        if key == "trangSo":
            page = self._count // 8 + 1
            return FieldContent(str(page), str(page))
        if key == "loaiDangKy":
            if rec.reg_type == 1 and rng.random() < 0.8:
                return EMPTY
            return FieldContent(str(rng.choice(X.REGISTRATION_TYPE_WORDS[rec.reg_type])), LOAI_DANG_KY[rec.reg_type])
        if self._blank(rec, None, key):
            return EMPTY
        if key == "noiDangKy":
            return FieldContent(*self._ubnd(rec))
        if key in ("nguoiKy",):
            return self._name(rec, rec.signer[0], caps=False)
        if key == "chucVuNguoiKy":
            forms = TITLE_FORMS[rec.signer[1]]
            raw = forms[w.title_variant % len(forms)].format(unit=self.home.commune.kind.lower())
            return FieldContent(raw, rec.signer[1])
        if key == "nguoiThucHien":
            return self._name(rec, w.name, caps=False)
        if key == "ghiChu":
            return FieldContent(rec.note, rec.note)
        if key == "quyetDinhSo":
            ref = self._decision(rec.reg_date)
            return FieldContent(ref, ref)
        if key == "loaiXacNhan" and "recognition" in rec.extra:
            return FieldContent(rec.extra["recognition"], rec.extra["recognition"])
        if key.startswith("gbt"):
            return self._death_notice(rec, key[3:])
        if key in ("tinhTrangKetHon",) or key.startswith(("huyKetHon", "congNhanKetHon")) or "NuocNgoai" in key:
            return EMPTY
        return self._by_type(rec, ftype, None)

    def _death_notice(self, rec: _Record, attr: str) -> FieldContent:
        gbt = rec.extra.get("gbt")
        if not gbt:
            return EMPTY
        if attr == "Loai":
            return FieldContent(gbt["loai"], gbt["loai"])
        if attr == "So":
            return self._number(gbt["so"], rec.writer, with_year=False)
        if attr == "Ngay":
            return self._date(rec, gbt["ngay"])
        return FieldContent(*gbt["cq"])

    # person keys

    def _person_field(self, rec: _Record, role: str, attr: str, ftype: str) -> FieldContent:
        p = rec.people[role]
        main = role == MAIN_ROLE[self.book_type]
        if attr == "HoTen":
            return self._name(rec, p.name)
        if attr == "GioiTinh":
            return self._gender(rec, p.gender, child=role in ("nks", "nc", "ncn"))
        if attr == "NgaySinh":
            return self._date(rec, p.birth, year_only=p.year_only)
        if attr == "NgaySinhBangChu":
            return self._date_words(rec, p.birth, year_only=p.year_only)
        if attr == "DanToc":
            return self._ethnicity(rec, p.ethnicity)
        if attr == "QuocTich":
            return self._nationality(rec, p.nationality)
        if attr == "NoiSinh":
            return FieldContent(*(p.birthplace or self._address(rec, p.residence or self.home, p.village)))
        if attr == "QueQuan":
            hometown = p.hometown or p.residence or self.home
            return FieldContent(*write_units(place_units(hometown, self.home, rec.writer.place, self.rng),
                                             rec.writer.place, self.rng))
        if attr == "NoiCuTru":
            return FieldContent(*self._address(rec, p.residence or self.home, p.village))
        if attr == "LoaiCuTru":
            code = 1 if self.rng.random() < 0.95 else 2
            word = LOAI_CU_TRU[code]
            return FieldContent(word.capitalize() if self.rng.random() < 0.8 else word, word)
        if attr in ("QuanHe", "QHNguoiDuocNhan"):
            rel = rec.relation.get(role)
            return self._relation(rec, rel) if rel else self._by_type(rec, ftype, p)
        if attr == "QHNguoiNhan":
            return self._relation(rec, self._relationship("Bản thân"))
        if attr in _PAPER_ATTRS:
            return self._paper(rec, attr, p)
        if attr in ("QuocTichKhac", "GiayToKhac"):
            return EMPTY
        if main and attr in _DEATH_ATTRS and "death" in rec.extra:
            return self._death_field(rec, attr)
        return self._by_type(rec, ftype, p)

    def _death_field(self, rec: _Record, attr: str) -> FieldContent:
        ex = rec.extra
        if attr == "NgayChet":
            return self._date(rec, ex["death"])
        if attr == "NgayChetGhiBangChu":
            return self._date_words(rec, ex["death"])
        if attr == "GioPhutChet":
            return self._time(rec, *ex["time"])
        if attr == "NoiChet":
            return FieldContent(*ex["place"])
        return FieldContent(ex["cause"], ex["cause"])

    def _paper(self, rec: _Record, attr: str, p: Person) -> FieldContent:
        if p.papers is None:
            return EMPTY
        rng = self.rng
        number, issued = p.papers
        if attr == "LoaiGiayToTuyThan":
            return FieldContent(str(rng.choice(["CMND", "Chứng minh nhân dân", "CMTND"])), LOAI_GIAY_TO[1])
        if attr == "SoGiayToTuyThan":
            return FieldContent(number, number)
        if attr == "NgayCapGiayToTuyThan":
            return self._date(rec, issued)
        province = (p.residence or self.home).province
        raw = str(rng.choice(["CA {k} {n}", "Công an {k} {n}", "CA {n}"]))
        raw = raw.format(k=province.kind.lower(), n=province.name)
        return FieldContent(raw, f"Công an {province.full}")

    # generic, by field type

    def _by_type(self, rec: _Record, ftype: str, p: Person | None) -> FieldContent:
        """Content for a key the generator does not know, from its field type."""
        rng = self.rng
        if ftype == "signature":  # a person's own signature, else the book's signer
            return self._name(rec, p.name if p else rec.signer[0], caps=False)
        p = p or rec.people.get(MAIN_ROLE[self.book_type])
        if ftype == "name":
            return self._name(rec, p.name if p else rec.signer[0])
        if ftype == "date":
            return self._date(rec, p.birth if p else rec.reg_date, year_only=bool(p and p.year_only))
        if ftype == "date_words":
            return self._date_words(rec, p.birth if p else rec.reg_date)
        if ftype == "place":
            return FieldContent(*self._address(rec, (p and p.residence) or self.home, p.village if p else None))
        if ftype == "ethnicity":
            return self._ethnicity(rec, p.ethnicity if p else "Kinh")
        if ftype == "nationality":
            return self._nationality(rec, p.nationality if p else "Việt Nam")
        if ftype == "gender":
            return self._gender(rec, p.gender if p else "Nam", child=False)
        if ftype == "number":
            return self._number(int(rng.integers(1, 100)), rec.writer, with_year=False)
        if ftype == "relationship":
            rel = rec.relation.get("nyc")
            return self._relation(rec, rel) if rel else EMPTY
        return EMPTY  # free text the generator knows nothing about is left empty

    # -- writing values the writer's way ---------------------------------------------------------

    def _name(self, rec: _Record, name: Name, caps: bool = True) -> FieldContent:
        upper = caps and self.rng.random() < rec.writer.upper_names
        return FieldContent(name.full.upper() if upper else name.full, name.full)

    def _date(self, rec: _Record, d: dt.date, year_only: bool = False) -> FieldContent:
        if year_only:
            return FieldContent(str(d.year), str(d.year))
        w = rec.writer
        fmt = w.date_fmt if self.rng.random() < 0.9 else D.sample_numeric_format(self.rng)
        if "{yy}" in fmt and d.year < 1940:  # nobody shortens 1925 to "25"
            fmt = "{d}/{m}/{Y}"
        return FieldContent(D.format_numeric(d, fmt), d.isoformat())

    def _date_words(self, rec: _Record, d: dt.date, year_only: bool = False) -> FieldContent:
        if year_only:
            return FieldContent(D.year_in_words(d.year, rec.writer.words), str(d.year))
        return FieldContent(D.date_in_words(d, rec.writer.words), d.isoformat())

    def _gender(self, rec: _Record, gender: str, child: bool) -> FieldContent:
        words = rec.writer.gender_words if child else ("Nam", "Nữ")
        return FieldContent(words[0] if gender == "Nam" else words[1], gender)

    def _ethnicity(self, rec: _Record, name: str) -> FieldContent:
        if not name:
            return EMPTY
        group = lexicon.resolve("ethnic_group", name)
        assert isinstance(group, lexicon.EthnicGroup), name
        rate = rec.writer.alias_rate * (0.02 if group.name == "Kinh" else 1.0)
        return FieldContent(self._spelling(group, rate), group.name)

    def _nationality(self, rec: _Record, name: str) -> FieldContent:
        if name == "Việt Nam":
            return FieldContent(rec.writer.vn, name)
        nat = lexicon.resolve("nationality", name)
        assert nat is not None, name
        return FieldContent(self._spelling(nat, 0.3), nat.name)

    def _relation(self, rec: _Record, rel: lexicon.Relationship) -> FieldContent:
        return FieldContent(self._spelling(rel, 0.3), rel.name)

    def _spelling(self, term: lexicon.Term, rate: float) -> str:
        """The official name, or with chance ``rate`` an alias (earlier ones more likely)."""
        if not term.aliases or self.rng.random() >= rate:
            return term.name
        weights = [0.5 ** i for i in range(len(term.aliases))]
        return str(Weighted(list(term.aliases), weights).draw(self.rng))

    def _number(self, n: int, w: Writer, with_year: bool = True) -> FieldContent:
        fmt = w.number_fmt if with_year or w.number_fmt != "year" else "plain"
        if fmt == "pad":
            raw = f"{n:03d}" if n < 100 and self.rng.random() < 0.5 else f"{n:02d}"
        elif fmt == "year":
            raw = f"{n}/{self.year % 100:02d}" if self.rng.random() < 0.8 else f"{n}/{self.year}"
        else:
            raw = str(n)
        return FieldContent(raw, str(n))

    def _time(self, rec: _Record, hour: int, minute: int) -> FieldContent:
        fmt = rec.writer.time_fmt
        if minute == 0 and self.rng.random() < 0.6:
            raw = f"{hour} giờ" if "giờ" in fmt else f"{hour}h"
        else:
            raw = fmt.format(h=hour, m=minute, mm=f"{minute:02d}")
        return FieldContent(raw, f"{hour:02d}:{minute:02d}")
