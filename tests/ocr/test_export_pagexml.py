"""PAGE-XML 2019 export: valid against the vendored official schema, with fields, cells and order."""

from datetime import datetime, timezone

from lxml import etree

from export_pages import box, spread
from ocr.export import page_to_pagexml, validate_pagexml
from ocr.export.pagexml import PAGE_NS, REGION_TYPES
from ocr.schema import Line, Provenance, Region

NS = {"pc": PAGE_NS}
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _tree(xml: str):
    return etree.fromstring(xml.encode("utf-8"))


def test_a_page_validates_and_holds_its_content():
    left, _ = spread()
    xml = page_to_pagexml(left, now=NOW)
    assert validate_pagexml(xml) == []
    root = _tree(xml)
    assert root.findtext("pc:Metadata/pc:Creator", namespaces=NS) == "hotich"
    assert root.findtext("pc:Metadata/pc:LastChange", namespaces=NS) == "2026-01-02T03:04:05+00:00"
    pg = root.find("pc:Page", NS)
    assert (pg.get("imageFilename"), pg.get("imageWidth"), pg.get("imageHeight")) == ("p7.jpg", "1000", "700")
    # The grid: one TableRegion whose cells carry their row, column and spans.
    roles = pg.findall("pc:TableRegion/pc:TextRegion/pc:Roles/pc:TableCellRole", NS)
    assert len(roles) == len(left.grid.cells)
    assert [(r.get("rowIndex"), r.get("columnIndex"), r.get("header")) for r in roles[:2]] == [
        ("0", "0", "true"), ("1", "0", "false")]
    # One TextRegion per field, keyed by the template key and the record id.
    fields = {r.get("id"): r for r in pg.findall("pc:TextRegion", NS) if "record {" in (r.get("custom") or "")}
    assert len(fields) == sum(len(r.fields) for r in left.records)
    name = fields["r0_nksHoTen"]
    assert "structure {type:nksHoTen;}" in name.get("custom") and "record {id:r0;number:01;}" in name.get("custom")
    equivs = name.findall("pc:TextEquiv", NS)
    assert [e.findtext("pc:Unicode", namespaces=NS) for e in equivs] == ["HOÀNG THỊ TRÂM", "Hoàng Thị Trâm"]
    assert float(equivs[0].get("conf")) == 0.9
    words = fields["r0_nksNgaySinhBangChu"].findall("pc:TextLine", NS)
    assert len(words) == 2 and all(ln.find("pc:Baseline", NS) is not None for ln in words)
    unreadable = fields["r0_nksDanToc"]
    assert "status {value:unreadable;}" in unreadable.get("custom") and unreadable.get("comments") == "smudged"
    # Printed regions with their PAGE types; reading order refers to regions that exist, title first.
    types = {r.get("id"): r.get("type") for r in pg.findall("pc:TextRegion", NS)}
    for reg in left.regions:
        assert types[reg.id] == REGION_TYPES[reg.kind]
    refs = [r.get("regionRef") for r in pg.findall("pc:ReadingOrder/pc:OrderedGroup/pc:RegionRefIndexed", NS)]
    ids = set(root.xpath("//@id"))
    assert refs[0] == "t0" and set(refs) <= ids
    assert refs.index("table") < refs.index("r0_so") < refs.index("r1_so") < refs.index("m0")


def test_created_comes_from_provenance_and_coordinates_are_clipped():
    left, _ = spread()
    left.regions.append(Region(id="9bad id", kind="other", polygon=box(-20, -5, 1200, 40),
                               lines=[Line(id="x", polygon=box(-3, 0, 50, 20), text="a", strikethrough=True)]))
    left.provenance = Provenance(source="draft", created="2025-05-06T07:08:09+07:00")
    xml = page_to_pagexml(left, now=NOW)
    assert validate_pagexml(xml) == []
    root = _tree(xml)
    assert root.findtext("pc:Metadata/pc:Created", namespaces=NS) == "2025-05-06T00:08:09+00:00"
    region = root.find(".//pc:TextRegion[@id='id_9bad_id']", NS)
    assert region.find("pc:Coords", NS).get("points") == "0,0 999,0 999,40 0,40"
    assert "strikethrough:true" in region.find("pc:TextLine", NS).get("custom")


def test_broken_documents_are_reported():
    left, _ = spread()
    xml = page_to_pagexml(left, now=NOW)
    assert validate_pagexml(xml.replace('imageWidth="1000" ', "")) != []
    bad_points = xml.replace('points="0,0 999,0 999,50 0,50"', 'points="0,0 -9,x"', 1)
    assert bad_points != xml and validate_pagexml(bad_points) != []
    dup = xml.replace('id="r1_so"', 'id="r0_so"')
    assert any("r0_so" in e for e in validate_pagexml(dup))
    wrong_ns = xml.replace("2019-07-15", "2013-07-15")
    assert validate_pagexml(wrong_ns) != []
    errors = validate_pagexml(xml[: len(xml) // 2])
    assert len(errors) == 1 and errors[0].startswith("not well-formed XML")
