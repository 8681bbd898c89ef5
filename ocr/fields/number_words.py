"""Numbers written out in Vietnamese words (0-9999), as in dates written in words.

"một nghìn chín trăm chín mươi tám" -> 1998, "hai nghìn không trăm linh ba" = "hai nghìn lẻ ba"
-> 2003, "hai mươi tư" -> 24, "mười lăm" -> 15, "hai mươi mốt" -> 21, "ba mươi nhăm" -> 35.
A word the recognizer misspelt is read as the unambiguously closest number word.
"""

from __future__ import annotations

from ocr.fields.fuzzy import closest

UNITS: dict[str, int] = {
    "không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
    "tám": 8, "chín": 9,
}
_TAIL_UNITS = {**UNITS, "mốt": 1, "tư": 4, "lăm": 5, "nhăm": 5}  # after "mươi" / "mười"
THOUSAND = ("nghìn", "ngàn")
ZERO_TENS = ("linh", "lẻ")
DAY_PREFIXES = ("mồng", "mùng")
MONTH_NAMES = {"giêng": 1, "chạp": 12, "tư": 4}
KEYWORDS = ("ngày", "tháng", "năm")
VOCABULARY: tuple[str, ...] = tuple(sorted(
    set(_TAIL_UNITS) | {"mười", "mươi", "trăm"} | set(THOUSAND) | set(ZERO_TENS) | set(DAY_PREFIXES)
    | set(MONTH_NAMES) | set(KEYWORDS)
))
_SYNONYMS = {"bẩy": "bảy", "mốt": "một", "ngàn": "nghìn", "mùng": "mồng"}
_SAME_WORD = {w: _SYNONYMS.get(w, w) for w in VOCABULARY}  # words of one meaning do not compete


def _tail(tokens: list[str], after_hundreds: bool) -> int | None:
    """0-99: "", "năm", "linh năm" (after hundreds), "mười", "mười lăm", "hai mươi", "hai mươi mốt"."""
    match tokens:
        case []:
            return 0
        case [z, u] if z in ZERO_TENS and after_hundreds and UNITS.get(u, 0) > 0:
            return UNITS[u]
        case ["mười"]:
            return 10
        case ["mười", u] if u in _TAIL_UNITS and u not in ("mốt", "không"):
            return 10 + _TAIL_UNITS[u]
        case [t, "mươi"] if UNITS.get(t, 0) >= 2:
            return 10 * UNITS[t]
        case [t, "mươi", u] if UNITS.get(t, 0) >= 2 and _TAIL_UNITS.get(u, 0) > 0:
            return 10 * UNITS[t] + _TAIL_UNITS[u]
        case [u] if u in UNITS and not after_hundreds:
            return UNITS[u]
    return None


def _below_thousand(tokens: list[str], after_thousands: bool) -> int | None:
    if "trăm" in tokens:
        i = tokens.index("trăm")
        if len(tokens[:i]) != 1 or tokens[0] not in UNITS:
            return None
        tail = _tail(tokens[i + 1:], after_hundreds=True)
        return None if tail is None else 100 * UNITS[tokens[0]] + tail
    return _tail(tokens, after_hundreds=after_thousands)


def parse_number(tokens: list[str]) -> int | None:
    """The number the (lower-case, known) words say, or None if they do not form one."""
    if not tokens:
        return None
    marks = [i for i, t in enumerate(tokens) if t in THOUSAND]
    if len(marks) > 1:
        return None
    if marks:
        i = marks[0]
        if len(tokens[:i]) != 1 or UNITS.get(tokens[0], 0) == 0:
            return None
        rest = _below_thousand(tokens[i + 1:], after_thousands=True)
        return None if rest is None else 1000 * UNITS[tokens[0]] + rest
    return _below_thousand(tokens, after_thousands=False)


def correct_tokens(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """Each token, or the unambiguously closest number word for one that is none; also the
    corrections made ("nam -> năm"); None if a token is too far from every number word."""
    out, fixes = [], []
    for t in tokens:
        if t in VOCABULARY:
            out.append(t)
            continue
        match = closest(t, VOCABULARY, same=_SAME_WORD)
        if match is None or not match.unambiguous:
            return None
        word = _SAME_WORD[match.key]
        out.append(word)
        fixes.append(f"{t} -> {word}")
    return out, fixes


def _unit_words(digit: int, tail: bool = False) -> list[str]:
    """The words of one digit; ``tail``: as the last word after "mươi"/"mười" (mốt, tư, lăm, nhăm)."""
    table = _TAIL_UNITS if tail else UNITS
    return [w for w, v in table.items() if v == digit]


def _tail_spellings(n: int, after_hundreds: bool) -> list[list[str]]:
    """Token lists for 0-99 as :func:`_tail` reads them."""
    if n == 0:
        return [[]]
    if n < 10:
        return [[z, u] for z in ZERO_TENS for u in _unit_words(n)] if after_hundreds else [[u] for u in _unit_words(n)]
    tens, unit = divmod(n, 10)
    heads = [["mười"]] if tens == 1 else [[t, "mươi"] for t in _unit_words(tens)]
    if unit == 0:
        return heads
    units = [u for u in _unit_words(unit, tail=True) if not (tens == 1 and u == "mốt")]
    return [h + [u] for h in heads for u in units]


def spellings(n: int) -> set[str]:
    """Every way of writing ``n`` (0-9999) in words that :func:`parse_number` reads as ``n``:
    nghìn/ngàn, linh/lẻ, bảy/bẩy, mốt, tư, lăm/nhăm, "hai nghìn (không trăm) lẻ một"."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is not in 0..9999")
    thousands, rest = divmod(n, 1000)
    hundreds, tail = divmod(rest, 100)
    below: list[list[str]]
    if rest >= 100:
        below = [[h, "trăm"] + t for h in _unit_words(hundreds) for t in _tail_spellings(tail, True)]
    elif thousands:
        below = _tail_spellings(rest, True)
        if rest:
            below += [["không", "trăm"] + t for t in _tail_spellings(rest, True)]
    else:
        below = _tail_spellings(rest, False) if rest else [["không"]]
    if not thousands:
        return {" ".join(b) for b in below}
    return {" ".join([u, k] + b) for u in _unit_words(thousands) if u != "không" for k in THOUSAND for b in below}
