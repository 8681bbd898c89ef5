"""Closed-set lexicons: ethnic groups, nationalities, genders, relationships, signer titles and personal names.

Each set lives in one YAML file beside this module, the single source of truth for it; it is
loaded once (cached) into frozen pydantic models. All strings are Unicode NFC. ``resolve`` maps
what an officer wrote ("Mèo", "khmer", "H'Mông") to the official entry, ignoring case,
hyphens, apostrophes and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field

_DIR = Path(__file__).parent

Gender = Literal["Nam", "Nữ"]
BookTypeCode = Literal["KS", "KT", "KH", "CMC", "NCN"]
RelationshipKind = Literal[
    "parent", "grandparent", "parent_sibling", "sibling", "spouse", "child", "child_in_law",
    "grandchild", "self", "adoptive_parent", "other",
]

# Generation of the declarant relative to the registered person, per relationship kind.
GENERATION: dict[str, int] = {
    "parent": 1, "adoptive_parent": 1, "grandparent": 2, "parent_sibling": 1, "sibling": 0,
    "spouse": 0, "self": 0, "child": -1, "child_in_law": -1, "grandchild": -2, "other": 0,
}


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Term(_Entry):
    """A closed-set term: its official name and the other ways it is written."""

    name: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """The official name first, then the aliases."""
        return (self.name, *self.aliases)


class EthnicGroup(Term):
    """One of the 54 ethnic groups; ``weight`` is its approximate population (1999)."""

    weight: float = Field(gt=0)


class Nationality(Term):
    """A nationality as written in Vietnamese; ``weight`` is a relative sampling frequency."""

    weight: float = Field(gt=0)


class GenderTerm(Term):
    """A gender with the Ministry's gioiTinh code."""

    code: int


class Relationship(Term):
    """A declarant's relationship to the registered person, with per-book-type weights."""

    gender: Gender | None = None
    kind: RelationshipKind
    side: Literal["paternal", "maternal"] | None = None
    weights: dict[BookTypeCode, float] = Field(default_factory=dict)

    @property
    def generation(self) -> int:
        """Generations between declarant and person (+1 parent, -1 child, 0 sibling)."""
        return GENERATION[self.kind]


class NamePart(_Entry):
    """A name part (surname, middle or given name) with weights by generation."""

    name: str
    weight: float = Field(ge=0)  # people born from 1975 on
    weight_old: float = Field(ge=0)  # people born before 1975


class Surname(_Entry):
    """A Kinh surname with weights in the north and the south of the country."""

    name: str
    north: float = Field(ge=0)
    south: float = Field(ge=0)


class NamePattern(_Entry):
    """Name custom of some ethnic groups; unset parts fall back on the Kinh ones."""

    groups: tuple[str, ...]
    lineage: Literal["paternal", "maternal", "none"] = "paternal"
    surnames: tuple[NamePart, ...] = ()
    middle: dict[Gender, tuple[NamePart, ...]] | None = None
    given: dict[Gender, tuple[NamePart, ...]] | None = None
    format: dict[Gender, str] = Field(
        default_factory=lambda: {"Nam": "{surname} {middle} {given}", "Nữ": "{surname} {middle} {given}"}
    )


class NameLexicon(_Entry):
    """Kinh surnames, middle and given names by gender, and minority name patterns."""

    surnames: tuple[Surname, ...]
    middle: dict[Gender, tuple[NamePart, ...]]
    given: dict[Gender, tuple[NamePart, ...]]  # unisex names included in both
    unisex: tuple[NamePart, ...]
    patterns: tuple[NamePattern, ...]

    def pattern_for(self, group: str) -> NamePattern | None:
        """The name pattern of an ethnic group, or None for the Kinh custom."""
        return next((p for p in self.patterns if group in p.groups), None)

    def syllables(self) -> frozenset[str]:
        """Every syllable of every name part (for lexicon-constrained decoding)."""
        parts: list[str] = [s.name for s in self.surnames]
        for table in (self.middle, self.given):
            parts += [p.name for ps in table.values() for p in ps]
        for pat in self.patterns:
            parts += [p.name for p in pat.surnames]
            for table in (pat.middle or {}, pat.given or {}):
                parts += [p.name for ps in table.values() for p in ps]
            parts += [re.sub(r"\{\w+\}", " ", f) for f in pat.format.values()]
        return frozenset(w for part in parts for w in part.replace("'", "' ").split())


# --- loading -------------------------------------------------------------------------------


def _load(name: str):
    with open(_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _parts(table: dict | None) -> tuple[NamePart, ...]:
    """``{name: w}`` or ``{name: [w, w_old]}`` as name parts."""
    out = []
    for name, w in (table or {}).items():
        new, old = (w, w) if isinstance(w, (int, float)) else (w[0], w[1])
        out.append(NamePart(name=str(name), weight=new, weight_old=old))
    return tuple(out)


def _gendered(table: dict | None) -> dict[str, tuple[NamePart, ...]] | None:
    if table is None:
        return None
    return {"Nam": _parts(table.get("male")), "Nữ": _parts(table.get("female"))}


@lru_cache(maxsize=None)
def ethnic_groups() -> tuple[EthnicGroup, ...]:
    """The 54 official ethnic groups, Kinh first."""
    return tuple(EthnicGroup(**e) for e in _load("ethnic_groups.yaml"))


@lru_cache(maxsize=None)
def nationalities() -> tuple[Nationality, ...]:
    """Nationalities in Vietnamese, "Việt Nam" first."""
    return tuple(Nationality(**e) for e in _load("nationalities.yaml"))


@lru_cache(maxsize=None)
def genders() -> tuple[GenderTerm, ...]:
    """Nam (1), Nữ (2), Chưa xác định (3)."""
    return tuple(GenderTerm(**e) for e in _load("genders.yaml"))


@lru_cache(maxsize=None)
def relationships() -> tuple[Relationship, ...]:
    """Relationships of a declarant to the registered person."""
    return tuple(Relationship(**e) for e in _load("relationships.yaml"))


COMMUNE_KINDS = ("xã", "phường", "thị trấn")  # what "{unit}" stands for in a title


@lru_cache(maxsize=None)
def title_forms() -> tuple[Term, ...]:
    """Signer titles as ``titles.yaml`` holds them, "{unit}" left in (what the generator writes from)."""
    return tuple(Term(**e) for e in _load("titles.yaml"))


@lru_cache(maxsize=None)
def titles() -> tuple[Term, ...]:
    """Signer titles (Chủ tịch, Phó Chủ tịch) with every alias spelled out for each commune kind."""
    return tuple(Term(name=t.name, aliases=tuple(dict.fromkeys(a.format(unit=u) for a in t.aliases
                                                                 for u in COMMUNE_KINDS)))
                 for t in title_forms())


@lru_cache(maxsize=None)
def names() -> NameLexicon:
    """Personal-name parts with weights, and minority name patterns."""
    raw = _load("names.yaml")
    surnames = []
    for name, w in raw["surnames"].items():
        north, south = (w, w) if isinstance(w, (int, float)) else (w["north"], w["south"])
        surnames.append(Surname(name=name, north=north, south=south))
    unisex = _parts(raw["given_names"].get("unisex"))
    given = _gendered(raw["given_names"])
    assert given is not None
    patterns = []
    for p in raw.get("patterns", []):
        fmt = p.get("format")
        patterns.append(NamePattern(
            groups=tuple(p["groups"]), lineage=p.get("lineage", "paternal"),
            surnames=_parts(p.get("surnames")), middle=_gendered(p.get("middle")),
            given=_gendered(p.get("given")),
            **({"format": {"Nam": fmt["male"], "Nữ": fmt["female"]}} if fmt else {}),
        ))
    return NameLexicon(
        surnames=tuple(surnames), middle=_gendered(raw["middle_names"]) or {},
        given={g: parts + unisex for g, parts in given.items()}, unisex=unisex,
        patterns=tuple(patterns),
    )


# --- lookup --------------------------------------------------------------------------------

_APOSTROPHES = "'’‘`´"
_DASHES = "-‐‑–—"


def lookup_key(text: str) -> str:
    """A comparison key: NFC, case-folded, apostrophes dropped, dashes and spaces collapsed."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.translate({ord(c): None for c in _APOSTROPHES})
    text = text.translate({ord(c): " " for c in _DASHES})
    return " ".join(text.split())


LexiconKind = Literal["ethnic_group", "nationality", "gender", "relationship", "title"]
LOADERS: dict[str, Callable[[], tuple[Term, ...]]] = {
    "ethnic_group": ethnic_groups, "nationality": nationalities, "gender": genders,
    "relationship": relationships, "title": titles,
}
T = TypeVar("T", bound=Term)


def alias_index(entries: tuple[T, ...]) -> dict[str, T]:
    """``lookup_key(spelling) -> entry`` for every spelling; a key shared by two entries is an error."""
    index: dict[str, T] = {}
    for entry in entries:
        for spelling in entry.spellings:
            key = lookup_key(spelling)
            if index.setdefault(key, entry) is not entry:
                raise ValueError(f"{spelling!r} names both {index[key].name!r} and {entry.name!r}")
    return index


@lru_cache(maxsize=None)
def spelling_index(kind: str) -> dict[str, Term]:
    """``lookup_key(spelling) -> entry`` for every spelling of lexicon ``kind`` (cached)."""
    return alias_index(LOADERS[kind]())


def resolve(kind: LexiconKind, text: str) -> Term | None:
    """The entry of lexicon ``kind`` that ``text`` names (official name or alias), or None."""
    return spelling_index(kind).get(lookup_key(text))


__all__ = [
    "COMMUNE_KINDS", "LOADERS", "EthnicGroup", "GenderTerm", "NameLexicon", "NamePart", "NamePattern", "Nationality",
    "Relationship", "Surname", "Term", "alias_index", "ethnic_groups", "genders", "lookup_key",
    "names", "nationalities", "relationships", "resolve", "spelling_index", "title_forms", "titles",
]
