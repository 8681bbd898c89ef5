"""The normalizers read what the synthetic generator writes: normalize(type, raw) == value.

Over every template in configs/ledgers, 300 records each (2,100 in all) from books of random years
and communes, as ``training.synth.book.plan_pages`` draws them: every field type is measured; closed
sets, numbers, dates, dates in words, names and signatures must agree on every field.
"""

from collections import Counter, defaultdict

import numpy as np
import pytest

from ocr.fields import normalize
from ocr.schema import AdminUnit
from ocr.templates import load_template, template_names
from training.synth.book import _field_types
from training.synth.content import BookContentGenerator, random_unit

RECORDS_PER_TEMPLATE = 300
EXACT = ("gender", "ethnicity", "nationality", "relationship", "title", "number", "date", "date_words", "name",
         "signature", "time", "text")
# A floor (a little under what was measured: 98.7 % over 14,070 records) for places, whose
# generator value needs facts the text does not hold (a bare "Tân Lập" may be a Xã, a Phường or a
# Thị trấn; the generator knows which); see the report printed with -s.
FLOORS = {"place": 0.97}


@pytest.fixture(scope="module")
def outcomes():
    seen: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    misses: dict[str, list[tuple]] = defaultdict(list)
    unconfident: dict[str, list[tuple]] = defaultdict(list)
    records = 0
    for t_index, name in enumerate(template_names()):
        template = load_template(name)
        types = _field_types(template)
        rng = np.random.default_rng([2026, t_index])
        done = 0
        while done < RECORDS_PER_TEMPLATE:
            year = int(rng.integers(template.years[0], template.years[1] + 1))
            unit = random_unit(rng)
            home = AdminUnit(**{k: v for k, v in unit.items() if k in AdminUnit.model_fields})
            gen = BookContentGenerator(template.book_type.value, year, unit, rng,
                                       first_number=int(rng.integers(1, 200)))
            for _ in range(min(30, RECORDS_PER_TEMPLATE - done)):
                record = gen.next_record(types)
                done += 1
                for key, field_type in types:
                    content = record[key]
                    result = normalize(field_type, content.raw, year=year)
                    seen[field_type] += 1
                    if result.value == content.value:
                        agree[field_type] += 1
                    else:
                        misses[field_type].append((key, content.raw, content.value, result.value, result.confident))
                    if content.raw and not result.confident:
                        unconfident[field_type].append((key, content.raw))
                    if field_type == "place" and result.value == content.value:
                        # what drafting does: the book's unit may read a misread unit, never a right one
                        at_home = normalize(field_type, content.raw, year=year, unit=home)
                        if at_home.value != content.value:
                            misses["place at home"].append((key, content.raw, content.value, at_home.value))
        records += done
    return records, seen, agree, misses, unconfident


def test_enough_records_over_every_template(outcomes):
    records, seen, *_ = outcomes
    assert records >= 2000
    assert set(seen) == set(EXACT) | set(FLOORS)


def test_agreement_report(outcomes):
    _, seen, agree, misses, _ = outcomes
    for field_type in sorted(seen):
        rate = agree[field_type] / seen[field_type]
        print(f"{field_type:13s} {agree[field_type]:6d}/{seen[field_type]:6d} = {rate:8.4%}")
        for miss in misses[field_type][:5]:
            print("    ", miss)


@pytest.mark.parametrize("field_type", EXACT)
def test_exact_types_agree_on_every_field(outcomes, field_type):
    _, seen, agree, misses, unconfident = outcomes
    assert seen[field_type] > 0
    assert agree[field_type] == seen[field_type], misses[field_type][:10]
    assert not unconfident[field_type], unconfident[field_type][:10]


@pytest.mark.parametrize("field_type", sorted(FLOORS))
def test_open_types_agree_above_their_floor(outcomes, field_type):
    _, seen, agree, misses, _ = outcomes
    assert agree[field_type] / seen[field_type] >= FLOORS[field_type], misses[field_type][:10]


def test_the_books_unit_never_changes_a_place_read_right(outcomes):
    _, seen, _, misses, _ = outcomes
    assert seen["place"] > 0 and not misses["place at home"], misses["place at home"][:10]


def test_places_are_rarely_wrong_with_confidence(outcomes):
    """A place the normalizer changed differently from the truth says it was unsure, nearly always."""
    _, seen, _, misses, _ = outcomes
    confident_misses = [m for m in misses["place"] if m[-1]]
    assert len(confident_misses) <= 0.005 * seen["place"], confident_misses[:10]


# --- the book checks on synthetic books -------------------------------------------------------


def _synthetic_book(template, year: int, rng, records: int):
    """Pages of one synthetic book: generator truth as drafts hold it (raw text, normalized value)."""
    from ocr.schema import BookMeta, Field, FieldStatus, ImageRef, Page, Record

    types = _field_types(template)
    gen = BookContentGenerator(template.book_type.value, year, random_unit(rng), rng,
                               first_number=int(rng.integers(1, 300)))
    box = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    pages, numbers = [], []
    for start in range(0, records, 10):
        recs = []
        for i in range(start, min(records, start + 10)):
            content = gen.next_record(types)
            numbers.append(int(content["so"].value))
            fields = [Field(key=k, raw_text=content[k].raw, value=normalize(t, content[k].raw, year=year).value,
                            status=FieldStatus.FILLED if content[k].raw else FieldStatus.EMPTY) for k, t in types]
            recs.append(Record(id=f"r{i}", region=box, fields=fields))
        pages.append(Page(id=f"p{start}", image=ImageRef(path="x.jpg", width=10, height=10), template_id=template.id,
                          book=BookMeta(book_type=template.book_type, year=year, page_number=len(pages) + 1),
                          records=recs))
    return pages, numbers


@pytest.mark.parametrize("name", template_names())
def test_synthetic_books_pass_the_checks_but_for_their_numbering_slips(name):
    """The generator's facts are consistent (no date flags); it repeats a number (1 %) or skips
    some (1 %) now and then, and the checks find exactly those."""
    from ocr.checks import check_book

    template = load_template(name)
    rng = np.random.default_rng([7, len(name)])
    year = int(rng.integers(template.years[0], template.years[1] + 1))
    pages, numbers = _synthetic_book(template, year, rng, 200)
    counts = check_book(pages)
    repeated = Counter(numbers)
    assert counts.get("duplicate_number", 0) == sum(c for c in repeated.values() if c > 1)
    distinct = sorted(repeated)
    assert counts.get("number_gap", 0) == sum(b > a + 1 for a, b in zip(distinct, distinct[1:]))
    for code in ("out_of_sequence", "date_order", "invalid_date", "required_empty"):
        assert counts.get(code, 0) == 0, (code, counts)
