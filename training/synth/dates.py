"""Dates as officers wrote them: numeric formats, and dates written out in Vietnamese words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

_UNITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

# Numeric date formats seen in books; fields: d m (no zero padding), dd mm (padded), Y yy.
NUMERIC_FORMATS = (
    "{d}/{m}/{Y}",
    "{dd}/{mm}/{Y}",
    "{dd}-{mm}-{yy}",
    "{d}.{m}.{Y}",
    "ngày {d} tháng {m} năm {Y}",
    "{d}/{m}/{yy}",
    "{d}-{m}-{Y}",
    "{dd}/{mm}/{yy}",
)
# Relative frequency of each format as a writer's habit.
NUMERIC_WEIGHTS = (30, 25, 6, 6, 8, 10, 6, 9)


@dataclass(frozen=True)
class WordStyle:
    """How a writer spells numbers in words; each field is one regional or personal habit."""

    thousand: str = "nghìn"  # or "ngàn"
    zero_tens: str = "linh"  # or "lẻ" (2003: "hai nghìn linh ba")
    hundreds_in_2000s: bool = True  # 2003: "hai nghìn không trăm linh ba"
    four: str = "tư"  # 24: "hai mươi tư" or "hai mươi bốn"
    five: str = "lăm"  # 25: "hai mươi lăm" or "hai mươi nhăm"
    day_prefix: str = "mồng"  # days 1-10: "mồng năm", "mùng năm" or ""
    january: str = "một"  # "tháng một" or "tháng giêng"
    capital: bool = True  # "Ngày ..." or "ngày ..."


def sample_word_style(rng: np.random.Generator) -> WordStyle:
    """A writer's habits for numbers in words."""
    return WordStyle(
        thousand="nghìn" if rng.random() < 0.7 else "ngàn",
        zero_tens="linh" if rng.random() < 0.75 else "lẻ",
        hundreds_in_2000s=bool(rng.random() < 0.6),
        four="tư" if rng.random() < 0.6 else "bốn",
        five="lăm" if rng.random() < 0.85 else "nhăm",
        day_prefix=str(rng.choice(["mồng", "mùng", ""], p=[0.6, 0.25, 0.15])),
        january="một" if rng.random() < 0.9 else "giêng",
        capital=bool(rng.random() < 0.8),
    )


def two_digit_words(n: int, style: WordStyle = WordStyle()) -> str:
    """0-99 in words: 15 "mười lăm", 21 "hai mươi mốt", 24 "hai mươi tư", 30 "ba mươi"."""
    if not 0 <= n <= 99:
        raise ValueError(f"{n} is not in 0..99")
    tens, unit = divmod(n, 10)
    if tens == 0:
        return _UNITS[unit]
    head = "mười" if tens == 1 else f"{_UNITS[tens]} mươi"
    if unit == 0:
        return head
    if unit == 5:
        tail = "lăm" if tens == 1 else style.five
    elif unit == 1 and tens > 1:
        tail = "mốt"
    elif unit == 4 and tens > 1:
        tail = style.four
    else:
        tail = _UNITS[unit]
    return f"{head} {tail}"


def number_words(n: int, style: WordStyle = WordStyle()) -> str:
    """0-9999 in words, as years are written ("một nghìn chín trăm chín mươi tám")."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is not in 0..9999")
    if n < 100:
        return two_digit_words(n, style)
    thousands, rest = divmod(n, 1000)
    hundreds, tail = divmod(rest, 100)
    words: list[str] = []
    if thousands:
        words += [_UNITS[thousands], style.thousand]
        if rest == 0:
            return " ".join(words)
        if hundreds == 0 and not style.hundreds_in_2000s:
            # "hai nghìn linh ba", "hai nghìn mười hai"
            words += [style.zero_tens, _UNITS[tail]] if tail < 10 else [two_digit_words(tail, style)]
            return " ".join(words)
    if thousands or hundreds:
        words += [_UNITS[hundreds], "trăm"]
    if tail == 0:
        return " ".join(words)
    if tail < 10:
        words += [style.zero_tens, _UNITS[tail]]
    else:
        words.append(two_digit_words(tail, style))
    return " ".join(words)


def day_words(day: int, style: WordStyle = WordStyle()) -> str:
    """A day of the month: "mồng năm", "mười lăm", "hai mươi mốt", "ba mươi"."""
    if not 1 <= day <= 31:
        raise ValueError(f"day {day} is not in 1..31")
    words = two_digit_words(day, style)
    return f"{style.day_prefix} {words}" if day <= 10 and style.day_prefix else words


def month_words(month: int, style: WordStyle = WordStyle()) -> str:
    """A month: "một"/"giêng", "hai", ..., "tư", ..., "mười hai"."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not in 1..12")
    if month == 1:
        return style.january
    if month == 4:
        return "tư"
    return two_digit_words(month, style)


def date_in_words(d: dt.date, style: WordStyle = WordStyle()) -> str:
    """"Ngày mười hai tháng ba năm một nghìn chín trăm chín mươi tám"."""
    text = f"ngày {day_words(d.day, style)} tháng {month_words(d.month, style)} năm {number_words(d.year, style)}"
    return text[0].upper() + text[1:] if style.capital else text


def year_in_words(year: int, style: WordStyle = WordStyle()) -> str:
    """"Năm một nghìn chín trăm sáu mươi lăm" (for a date known only by its year)."""
    text = f"năm {number_words(year, style)}"
    return text[0].upper() + text[1:] if style.capital else text


def format_numeric(d: dt.date, fmt: str) -> str:
    """A date in one of ``NUMERIC_FORMATS``."""
    return fmt.format(d=d.day, m=d.month, dd=f"{d.day:02d}", mm=f"{d.month:02d}", Y=d.year, yy=f"{d.year % 100:02d}")


def sample_numeric_format(rng: np.random.Generator) -> str:
    """A writer's habitual numeric date format."""
    p = np.asarray(NUMERIC_WEIGHTS, dtype=float)
    return NUMERIC_FORMATS[int(rng.choice(len(NUMERIC_FORMATS), p=p / p.sum()))]


def add_days(d: dt.date, days: int) -> dt.date:
    return d + dt.timedelta(days=int(days))


def shift_years(d: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes the 28th in a common year)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def random_date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A uniform date in [start, end]."""
    span = (end - start).days
    return start + dt.timedelta(days=int(rng.integers(0, span + 1))) if span > 0 else start


def birthday_in_year(rng: np.random.Generator, year: int) -> dt.date:
    """A uniform date in ``year``."""
    return random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
