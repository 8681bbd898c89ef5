"""Ledger templates: every shipped one loads; a bad one gives an error naming file and key."""

import pytest
import yaml

from ocr.ministry import EXCEL_COLUMNS
from ocr.templates import BlocksLayout, RowsLayout, TemplateError, config_dir, load_template, template_names


def test_required_designs_are_shipped():
    templates = {n: load_template(n) for n in template_names()}
    assert {"ks_1999", "ks_2006", "kt_1999", "kh_1999", "ks_dense"} <= set(templates)
    ks = templates["ks_1999"]
    assert ks.sides == ["left", "right"] and ks.layout.rows_per_page == (6, 10)
    assert any(f.multiline for f in ks.fields)
    big = templates["ks_2006"]
    assert isinstance(big.layout, BlocksLayout) and big.layout.records_per_page == 4
    assert templates["ks_dense"].layout.rows_per_page[0] >= 30
    assert {t.book_type.value for t in templates.values()} >= {"KS", "KT", "KH"}


@pytest.mark.parametrize("name", template_names())
def test_field_keys_are_ministry_keys(name):
    t = load_template(name)
    for f in t.fields:
        assert not f.excel or f.key in EXCEL_COLUMNS[t.book_type.value]
        assert f.header


def _write(tmp_path, name, mutate):
    raw = yaml.safe_load((config_dir() / "ledgers" / "ks_1999.yaml").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def test_misspelled_key_is_named(tmp_path):
    def typo(raw):
        raw["layout"]["pages"]["left"]["columns"][3]["tpye"] = raw["layout"]["pages"]["left"]["columns"][3].pop("type")
    with pytest.raises(TemplateError) as err:
        load_template(_write(tmp_path, "bad", typo))
    msg = str(err.value)
    assert "bad.yaml" in msg and "layout.pages.left.columns.3.tpye" in msg


def test_unknown_excel_key_is_named(tmp_path):
    def wrong(raw):
        raw["layout"]["pages"]["left"]["columns"][2]["key"] = "nksHoTenn"
    with pytest.raises(TemplateError, match="'nksHoTenn' is not a Ministry Excel key for KS"):
        load_template(_write(tmp_path, "bad2", wrong))


def test_bad_value_and_unknown_template(tmp_path):
    def bad_rows(raw):
        raw["layout"]["rows_per_page"] = [10, 6]
    with pytest.raises(TemplateError, match="rows_per_page"):
        load_template(_write(tmp_path, "bad3", bad_rows))
    with pytest.raises(TemplateError, match="known templates: .*ks_1999"):
        load_template("no_such_book")


def test_template_id_must_match_file(tmp_path):
    with pytest.raises(TemplateError, match="must equal the file name"):
        load_template(_write(tmp_path, "other", lambda raw: raw.__setitem__("id", "ks_1999")))


def test_layout_kinds():
    assert isinstance(load_template("kh_1999").layout, RowsLayout)
    assert any(c.ruled for c in load_template("kh_1999").layout.pages["single"].columns)
