"""How likely a personal name is, from the name lexicon's weights (``ocr/lexicon/names.yaml``).

Beam search reads a name's strokes; where two readings are both names and the strokes barely
tell them apart ("Dũng" and "Dùng", "Lương" and "Lường"), the common one is likelier. The prior of
"Surname Middle... Given" is the log frequency of its surname as a surname, of its last syllable
as a given name, and the mean over its middle syllables as middle names; a syllable the lexicon
does not hold in that position gets :data:`FLOOR`. Where the field says whose name it is (a
mother's, a father's, a child whose gender is written beside), the middle and given names are those
of that gender: "Văn" is a man's middle name, "Vân" a woman's.

:data:`WEIGHT` scales the prior against the recognizer's log-probability. 0.5 was chosen on line
crops of rendered pages (seed 9900: exact names of 600 lines 73.0 -> 74.8 %); on the 210 calibration
pages (seeds 8600-8629, never the drafting evaluation's), with the gendered prior and names over
several lines ranked as one name, 0.7 read 55 more names right (80.6 -> 81.5 % of 6,056). The
generator draws names from the same lexicon, so synthetic pages reward a strong prior more than
real books will: real names outside the lexicon pay for it (no real name lines were at hand to
measure how much).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from ocr.fields.names import name_case

FLOOR = 1e-4  # probability of a syllable the lexicon does not hold at that position
WEIGHT = 0.7  # log-prior weight against the recognizer's log-probability


@lru_cache(maxsize=3)
def _tables(gender: str | None = None) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """log P(syllable) as surname, as middle name, as given name (of ``gender``, "Nam" or "Nữ";
    None: both), all customs."""
    from ocr.lexicon import names

    lex = names()
    surnames, middle, given = Counter(), Counter(), Counter()
    for s in lex.surnames:
        surnames[s.name] += s.north + s.south
    tables = [(lex.middle, middle), (lex.given, given)]
    for pattern in lex.patterns:
        for p in pattern.surnames:
            surnames[p.name] += p.weight + p.weight_old
        tables += [(pattern.middle or {}, middle), (pattern.given or {}, given)]
    for table, counter in tables:
        for g, parts in table.items():
            if gender is not None and g != gender:
                continue
            for p in parts:
                for syllable in p.name.split():
                    counter[syllable] += p.weight + p.weight_old

    def logs(counter: Counter) -> dict[str, float]:
        total = sum(counter.values())
        return {k: math.log(max(v / total, FLOOR)) for k, v in counter.items()}

    return logs(surnames), logs(middle), logs(given)


def name_log_prior(text: str, gender: str | None = None) -> float:
    """The weighted log-prior of a name, read in any case ("NGUYỄN VĂN DŨNG" as "Nguyễn Văn Dũng"),
    with the middle and given names of ``gender`` ("Nam" or "Nữ") when it is known."""
    words = name_case(text).split()
    floor = math.log(FLOOR)
    if len(words) < 2:
        return WEIGHT * 2 * floor
    surnames, middle, given = _tables(gender)
    score = surnames.get(words[0], floor) + given.get(words[-1], floor)
    if len(words) > 2:
        score += sum(middle.get(w, floor) for w in words[1:-1]) / (len(words) - 2)
    return WEIGHT * score
