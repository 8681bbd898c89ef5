"""What a field allows its text to be, as a constraint on beam search.

A :class:`Constraint` answers, for the prefix read so far (held as a state), which characters may
come next and whether the line may end there. The field grammars below are compiled once (cached)
to :class:`~ocr.htr.grammar.Automaton` objects:

- closed sets (gender, ethnicity, nationality, relationship, signer's title): every official name and alias of
  the lexicon, in its own case, lower case, upper case and capitalised;
- names: 2-5 syllables, each capitalised or in capitals, separated by single spaces;
- places: a permissive sequence of pre-2025 unit names with or without their kind words or
  abbreviations, villages ("Thôn 4", "Ấp Tân Hòa"), house numbers and facilities, separated by
  commas, dashes or spaces;
- dates: d/m/yyyy, dd/mm/yy, d-m-yy, d.m.yyyy, "ngày d tháng m năm yyyy", a year, and dates
  written out in words;
- numbers: digits with an optional "/yy" or "/yyyy";
- times of day: "7 giờ 30 phút", "7h30", "7g30", "7 giờ 30'", "7 giờ", "7h", after an optional
  "lúc" and before an optional part of the day ("sáng", "chiều", ...).

Syllables with the tone on "oa", "oe", "uy" are allowed in both placements ("Hòa" and "Hoà").
``constraint_for(field_type)`` maps template field types to constraints (free text and signatures
have none); ``fragment=True`` gives the variant for one line of a field written over several.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Hashable, Iterable, Protocol, runtime_checkable

from ocr.fields import number_words
from ocr.fields.number_words import DAY_PREFIXES, MONTH_NAMES
from ocr.fields.place_words import FACILITIES, HOME_PLACES, VILLAGE_NAMES
from ocr.fields.text import DAY_PARTS
from ocr.htr.grammar import Automaton, Node, alt, chars, opt, rep, seq, words
from ocr.htr.name_prior import name_log_prior
from ocr.text import TONE_MARKS, nfc

State = Hashable


@runtime_checkable
class Constraint(Protocol):
    """A deterministic automaton over characters."""

    def start(self) -> State:
        """The state of the empty prefix."""

    def allowed(self, state: State) -> frozenset[str]:
        """The characters that may follow."""

    def step(self, state: State, char: str) -> State | None:
        """The state after ``char``, or None when ``char`` is not allowed."""

    def can_end(self, state: State) -> bool:
        """Whether the line may end here."""


def walk(constraint: Constraint, prefix: str) -> State | None:
    """The state after ``prefix``, or None if the constraint rules it out."""
    state: State | None = constraint.start()
    for ch in prefix:
        state = constraint.step(state, ch)
        if state is None:
            return None
    return state


def allowed_after(constraint: Constraint, prefix: str) -> frozenset[str]:
    """Characters that may follow ``prefix`` (none if the prefix is ruled out)."""
    state = walk(constraint, prefix)
    return frozenset() if state is None else constraint.allowed(state)


def accepts(constraint: Constraint, text: str) -> bool:
    """Whether ``text`` is a whole line the constraint allows."""
    state = walk(constraint, nfc(text))
    return state is not None and constraint.can_end(state)


class RankedBy:
    """``inner`` with its readings ranked by another ``prior`` (a name of a known gender)."""

    def __init__(self, inner: Constraint, prior: Callable[[str], float], name: str) -> None:
        self.inner, self.prior, self.name = inner, prior, name

    def __repr__(self) -> str:
        return f"RankedBy({self.name!r})"

    def start(self) -> State:
        return self.inner.start()

    def allowed(self, state: State) -> frozenset[str]:
        return self.inner.allowed(state)

    def step(self, state: State, char: str) -> State | None:
        return self.inner.step(state, char)

    def can_end(self, state: State) -> bool:
        return self.inner.can_end(state)


class FixedStart:
    """``inner`` with the line beginning with one of ``starts`` (a surname and its space, in the
    spellings the name grammar allows: reads a name as having a given surname), or with ``whole``
    being one of them (reads a line as a given text). Unhashable on purpose: one is made per
    line, and it must not crowd the decoder's cache of shared grammars."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, inner: Constraint, starts: Iterable[str], *, whole: bool = False) -> None:
        self.inner = inner
        self.starts = frozenset(nfc(s) for s in starts)
        self.whole = whole
        self.prior = getattr(inner, "prior", None)

    def start(self) -> State:
        return self.inner.start(), ""

    def allowed(self, state: State) -> frozenset[str]:
        inner, read = state
        chars = self.inner.allowed(inner)
        if read is None:
            return chars
        return chars & {s[len(read)] for s in self.starts if len(s) > len(read) and s.startswith(read)}

    def step(self, state: State, char: str) -> State | None:
        inner, read = state
        if read is not None:
            read += char
            if not any(s.startswith(read) for s in self.starts):
                return None
            if read in self.starts and not self.whole:
                read = None
        nxt = self.inner.step(inner, char)
        return None if nxt is None else (nxt, read)

    def can_end(self, state: State) -> bool:
        inner, read = state
        return (read is None or self.whole and read in self.starts) and self.inner.can_end(inner)


# --- spelling variants ---------------------------------------------------------------------

_TONES = "".join(TONE_MARKS)
_GLIDE = re.compile(rf"(.*?)([oOuU])([{_TONES}]?)([aAeEyY])([{_TONES}]?)")


def swap_tone_placement(syllable: str) -> str:
    """"Hòa" <-> "Hoà", "Thủy" <-> "Thuỷ", "khỏe" <-> "khoẻ" (open oa/oe/uy); else unchanged."""
    m = _GLIDE.fullmatch(unicodedata.normalize("NFD", syllable))
    if not m or bool(m[3]) == bool(m[5]) or m[1][-1:] in ("q", "Q"):
        return syllable
    return nfc(m[1] + m[2] + m[5] + m[4] + m[3])


def tone_variants(text: str) -> set[str]:
    """``text`` and the same with every open oa/oe/uy syllable's tone in the other placement."""
    return {text, " ".join(swap_tone_placement(w) for w in text.split(" "))}


def capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


def case_variants(text: str) -> set[str]:
    """As given, lower case, upper case, first letter capital, every word capitalised."""
    low = text.lower()
    return {text, low, text.upper(), capitalised(low), " ".join(capitalised(w) for w in low.split(" "))}


def spellings(texts: Iterable[str], *, cases: bool = True) -> set[str]:
    """Every text in its case variants (optional) and both tone placements, NFC."""
    out: set[str] = set()
    for t in texts:
        for v in (case_variants(nfc(t)) if cases else {nfc(t)}):
            out |= tone_variants(v)
    return out


# --- grammars ------------------------------------------------------------------------------

DIGIT = chars("0123456789")
NUMBER = rep(DIGIT, 1)


def lexicon_constraint(texts: Iterable[str], name: str = "lexicon") -> Automaton:
    """Exactly one of ``texts`` (with case and tone-placement variants)."""
    return Automaton(words(sorted(spellings(texts))), name)


def _terms(field_type: str) -> list[str]:
    from ocr import lexicon
    from ocr.fields.closed_sets import LEXICON_OF

    return [s for term in lexicon.LOADERS[LEXICON_OF[field_type]]() for s in term.spellings]


@lru_cache(maxsize=None)
def closed_set_constraint(kind: str) -> Automaton:
    """Official names and aliases of a closed-set field type: gender, ethnicity, nationality,
    relationship, title."""
    return lexicon_constraint(_terms(kind), kind)


@lru_cache(maxsize=1)
def name_syllables() -> frozenset[str]:
    """Syllables of personal names: the name lexicon's, and those of unit names (the same
    Sino-Vietnamese stock, which widens the lexicon's few hundred given names)."""
    from ocr.lexicon import names
    from ocr.lexicon.admin_units import admin_units

    unit_words = {w for n in admin_units().names() for w in re.split(r"[ \-]+", n)}
    return frozenset(capitalised(w) for w in names().syllables() | unit_words if w.replace("'", "").isalpha())


@lru_cache(maxsize=1)
def name_constraint() -> Automaton:
    """2-5 syllables, each capitalised or in capitals, single spaces ("H'" joins the next one)."""
    syl = name_syllables()
    forms = spellings({s for s in syl if not s.endswith("'")} | {s.upper() for s in syl}, cases=False)
    glued = {s for s in syl if s.endswith("'")}
    token = seq(opt(words(sorted(glued | {s.upper() for s in glued}))), words(sorted(forms)))
    return Automaton(rep(token, 2, 5, sep=" "), "name", prior=name_log_prior)


GENDERS = ("Nam", "Nữ")


@lru_cache(maxsize=None)
def gendered_name_constraint(gender: str) -> RankedBy:
    """:func:`name_constraint` with readings ranked by the name prior of ``gender`` ("Nam", "Nữ")."""
    if gender not in GENDERS:
        raise ValueError(f"unknown gender {gender!r}; known: {', '.join(GENDERS)}")
    return RankedBy(name_constraint(), lambda text: name_log_prior(text, gender), f"name ({gender})")


# Dates written out ("ngày mồng năm tháng giêng năm một nghìn chín trăm ...") are read as a valid
# day (1-31, "mồng"/"mùng" before 1-10), month (1-12, giêng, chạp, tư) and year in these years,
# each in any of its spellings: a misread number word cannot make "năm hai ngàn không tám lẻ một".
WORD_YEARS = (1850, 2031)


# A year in digits, 1850-2039: the ledgers' people were born from the 1850s on, and notes were
# added to the books until today ("2901" or "1200" is a misread "2001").
YEAR4 = alt(seq("18", chars("56789"), DIGIT), seq("19", DIGIT, DIGIT), seq("20", chars("0123"), DIGIT))


def _date_grammar() -> Node:
    day = alt(seq(opt("0"), chars("123456789")), seq(chars("12"), DIGIT), seq("3", chars("01")))
    month = alt(seq(opt("0"), chars("123456789")), seq("1", chars("012")))
    year = alt(YEAR4, seq(DIGIT, DIGIT))
    numeric = alt(*(seq(day, sep, month, sep, year) for sep in "/-."), seq(month, "/", YEAR4))
    long = seq(words(["ngày ", "Ngày "]), day, " tháng ", month, " năm ", year)
    year_only = seq(opt(words(["năm ", "Năm "])), YEAR4)
    day_words = alt(seq(opt(words([f"{p} " for p in DAY_PREFIXES])), _spelled(range(1, 11))),
                    _spelled(range(11, 32)))
    month_words = alt(_spelled(range(1, 13)), words(MONTH_NAMES))
    year_words = _spelled(range(*WORD_YEARS))
    in_words = alt(
        seq(words(["ngày ", "Ngày "]), day_words, " tháng ", month_words, " năm ", year_words),
        seq(words(["năm ", "Năm "]), year_words),
    )
    return alt(numeric, long, year_only, in_words)


def _spelled(numbers: Iterable[int]) -> Words:
    """Every spelling in words of these numbers (:func:`ocr.fields.number_words.spellings`)."""
    return words(sorted({s for n in numbers for s in number_words.spellings(n)}))


@lru_cache(maxsize=1)
def date_constraint() -> Automaton:
    """Numeric dates in the usual formats, "ngày d tháng m năm yyyy", a year, dates in words."""
    return Automaton(_date_grammar(), "date")


@lru_cache(maxsize=1)
def number_constraint() -> Automaton:
    """Digits with an optional year: "12", "012", "12/98", "12/1998"."""
    return Automaton(seq(NUMBER, opt(seq("/", alt(seq(DIGIT, DIGIT), YEAR4)))), "number")


def _time_grammar() -> Node:
    hour = alt(seq(opt("0"), DIGIT), seq("1", DIGIT), seq("2", chars("01234")))
    minute = alt(DIGIT, seq(chars("012345"), DIGIT))
    spoken = seq(" giờ", opt(seq(" ", minute, opt(words([" phút", "'"])))))
    short = seq(chars("hg"), opt(minute))
    return seq(opt(words(["lúc ", "Lúc "])), hour, alt(spoken, short), opt(seq(" ", words(DAY_PARTS))))


@lru_cache(maxsize=1)
def time_constraint() -> Automaton:
    """A time of day: "7 giờ 30 phút", "7h30", "lúc 19 giờ", "7 giờ tối"."""
    return Automaton(_time_grammar(), "time")


_ADMIN_KINDS = ("Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã", "Xã", "Phường", "Thị trấn")
_ABBREVIATIONS = ("X.", "H.", "T.", "P.", "Q.", "TP", "TP.", "Tp", "Tp.", "TX", "TX.", "Tx.", "TT", "TT.")
_VILLAGE_KINDS = ("Thôn", "Ấp", "Xóm", "Tổ", "Khu phố", "Khu", "Tổ dân phố", "Bản", "Buôn", "Làng",
                  "Khóm", "Đội", "Đường", "Phố", "Ngõ", "Hẻm")
_VILLAGE_ABBREVIATIONS = ("KP", "KP.", "Kp.", "TDP", "Tdp")  # may be glued to the number: "KP.9"
_HOUSE = ("Số", "Số nhà", "SN")
# What precedes a place of birth or a residence: a home, a health facility as officers write it
# (the tables the generator writes from too), a People's Committee.
_PLACE_PREFIXES = tuple(sorted({
    *HOME_PLACES, "Tại", *(raw for _, raws, _ in FACILITIES for raw in raws), "Ủy ban nhân dân", "UBND",
}))
_PLACE_ALIASES = ("HCM", "TP.HCM", "TPHCM", "Sài Gòn", "HN")


def _lower_too(items: Iterable[str]) -> list[str]:
    return sorted({v for i in items for v in (i, i.lower())})


def _place_grammar() -> Node:
    from ocr.lexicon.admin_units import admin_units

    unit_name = words(sorted(spellings(admin_units().names() | set(_PLACE_ALIASES), cases=False)))
    num = seq(NUMBER, opt(chars("ABCDEFGHIKLMNOPQRSTUVXY")))
    village_words = {w for names in VILLAGE_NAMES.values() for name in names for w in name.split()}
    syllable = words(sorted(spellings(name_syllables() | village_words, cases=False)))
    kind = alt(seq(words(_lower_too(_ADMIN_KINDS)), " "), seq(words(_lower_too(_ABBREVIATIONS)), opt(" ")))
    unit = seq(opt(kind), alt(unit_name, num))
    named = rep(syllable, 1, None, sep=" ")  # a village or a street: "Thôn Đông", "Số 5 Lê Lợi"
    village = seq(alt(seq(words(_lower_too(_VILLAGE_KINDS)), " "),
                      seq(words(_lower_too(_VILLAGE_ABBREVIATIONS)), opt(" "))), alt(num, named))
    house = seq(opt(seq(words(_lower_too(_HOUSE)), " ")), rep(num, 1, None, sep="/"), opt(seq(" ", named)))
    segments = rep(alt(unit, village, house), 1, None, sep=words([", ", ",", " - ", " "]))
    return alt(seq(words(_PLACE_PREFIXES), opt(seq(" ", segments))), segments)


@lru_cache(maxsize=1)
def place_constraint() -> Automaton:
    """Addresses and places of birth built from pre-2025 unit names (a permissive grammar)."""
    return Automaton(_place_grammar(), "place")


# --- registry ------------------------------------------------------------------------------

_REGISTRY: dict[str, Callable[[], Automaton] | None] = {
    "name": name_constraint,
    "date": date_constraint,
    "date_words": date_constraint,
    "place": place_constraint,
    "ethnicity": lambda: closed_set_constraint("ethnicity"),
    "nationality": lambda: closed_set_constraint("nationality"),
    "gender": lambda: closed_set_constraint("gender"),
    "relationship": lambda: closed_set_constraint("relationship"),
    "title": lambda: closed_set_constraint("title"),
    "number": number_constraint,
    "time": time_constraint,
    "text": None,
    "signature": None,
}
FIELD_TYPES = tuple(_REGISTRY)


def constraint_for(field_type: str, *, fragment: bool = False, gender: str | None = None) -> Constraint | None:
    """The constraint of a template field type (None for free text and signatures); with
    ``fragment``, the variant for one line of a field written over several lines; a whole name
    line with a ``gender`` is ranked by that gender's names."""
    if field_type not in _REGISTRY:
        raise ValueError(f"unknown field type {field_type!r}; known: {', '.join(FIELD_TYPES)}")
    if field_type == "name" and gender is not None and not fragment:
        return gendered_name_constraint(gender)
    factory = _REGISTRY[field_type]
    if factory is None:
        return None
    automaton = factory()
    return automaton.fragment() if fragment else automaton
