"""The per-book summary: pages, records (spreads joined), field states, flags, low confidence."""

import json

from export_pages import spread
from ocr.export import book_summary, write_summary
from ocr.schema import FieldStatus, Flag


def test_counts_of_a_spread(tmp_path):
    left, right = spread()
    s = book_summary([left, right])
    assert s["pages"] == 2
    assert s["records"] == 2  # r0 and r1 each lie on both pages
    assert s["books"] == [{"book_type": "KS", "year": 1999, "volume": "03"}]
    # Left r0 has 7 fields, r1 4; right r0 5, r1 2. Empty: r1's so, chaHoTen, ghiChu.
    assert s["fields"] == {"total": 18, "filled": 14, "empty": 3, "unreadable": 1}
    assert s["flags"] == {"duplicate_number": 1, "overwritten": 1, "smudged": 1}
    assert s["records_flagged"] == 2
    # Confidences below 0.8 among the 15 fields with text: 0.6, 0.7, 0.5 and the unreadable 0.3.
    low = s["low_confidence"]
    assert (low["scored_fields"], low["fields"]) == (15, 4)
    assert low["share"] == round(4 / 15, 4)
    assert book_summary([left, right], low_confidence=0.5)["low_confidence"]["fields"] == 1


def test_counts_follow_the_pages(tmp_path):
    left, right = spread()
    fields = left.records[1].fields
    fields[0] = fields[0].model_copy(update={"raw_text": "2", "status": FieldStatus.FILLED})
    left.records[1].flags.append(Flag(code="number_gap"))
    s = book_summary([left, right])
    assert s["fields"]["empty"] == 2 and s["fields"]["filled"] == 15
    assert s["flags"]["number_gap"] == 1
    assert s["low_confidence"]["share"] == round(4 / 15, 4)  # the new field has no confidence
    only_left = book_summary([left])
    assert only_left["pages"] == 1 and only_left["records"] == 2 and only_left["fields"]["total"] == 11


def test_no_confidences_gives_no_share_and_json_round_trips(tmp_path):
    left, right = spread()
    for p in (left, right):
        for rec in p.records:
            for f in rec.fields:
                f.confidence = None
    s = book_summary([left, right])
    assert s["low_confidence"]["share"] is None
    path = write_summary(s, tmp_path / "out" / "summary.json")
    assert json.loads(path.read_text(encoding="utf-8")) == s
