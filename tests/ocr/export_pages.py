"""Small hand-built schema pages for the export tests: a birth-register spread of two records."""

from __future__ import annotations

from ocr.schema import (
    BookMeta, Cell, Field, FieldStatus, Flag, ImageRef, Line, Page, Record, Region, TableGrid,
)

W, H = 1000, 700


def box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def field(key: str, raw: str = "", value: str | None = None, *, status: FieldStatus | None = None,
          conf: float | None = None, flags: tuple[str, ...] = (), at: tuple[float, float] = (0, 0),
          lines: int = 1) -> Field:
    """A field whose region is a 100 x 40 box at ``at``, with ``lines`` lines splitting the raw text."""
    status = status or (FieldStatus.FILLED if raw else FieldStatus.EMPTY)
    x, y = at
    words = raw.split()
    per = max(1, -(-len(words) // lines)) if words else 1
    texts = [" ".join(words[i:i + per]) for i in range(0, len(words), per)] if raw else []
    lns = [
        Line(id=f"{key}-{x:.0f}-{y:.0f}-l{i}", polygon=box(x + 5, y + 4 + 17 * i, x + 95, y + 19 + 17 * i),
             baseline=[(x + 6, y + 16 + 17 * i), (x + 94, y + 16 + 17 * i)], text=t, confidence=conf)
        for i, t in enumerate(texts)
    ]
    return Field(key=key, raw_text=raw, value=value, region=box(x, y, x + 100, y + 40), lines=lns,
                 confidence=conf, status=status, flags=[Flag(code=c) for c in flags])


def page(side: str, records: list[Record], *, number: int, book_type: str = "KS",
         regions: list[Region] | None = None, template: str = "ks_1999") -> Page:
    cells = [
        Cell(row=0, col=0, polygon=box(0, 0, W, 50), header=True),
        *[Cell(row=i + 1, col=0, polygon=rec.region, record_id=rec.id, field_keys=[f.key for f in rec.fields])
          for i, rec in enumerate(records)],
    ]
    return Page(
        id=f"p{number}", image=ImageRef(path=f"images/p{number}.jpg", width=W, height=H),
        template_id=template, side=side,
        book=BookMeta(book_type=book_type, year=1999, volume="03", page_number=number),
        grid=TableGrid(rows=len(records) + 1, cols=1, region=box(0, 0, W, 50 + 100 * len(records)), cells=cells),
        records=records, regions=regions or [],
    )


def spread() -> tuple[Page, Page]:
    """Two records on a left page continuing on the right page (same record ids)."""
    left = [
        Record(id="r0", number="01", region=box(10, 60, 990, 150), fields=[
            field("so", "01", "01", at=(20, 70), conf=0.99),
            field("ngayDangKy", "29/12/98", "1998-12-29", at=(130, 70), conf=0.95),
            field("nksHoTen", "HOÀNG THỊ TRÂM", "Hoàng Thị Trâm", at=(240, 70), conf=0.9),
            field("nksGioiTinh", "Gái", "Nữ", at=(350, 70), conf=0.6),
            field("nksNgaySinh", "12/98", "1998-12", at=(460, 70), conf=0.7),
            field("nksNgaySinhBangChu", "Ngày hai mươi chín tháng mười hai năm một nghìn chín trăm chín mươi tám",
                  "1998-12-29", at=(570, 70), lines=2, conf=0.5),
            field("nksDanToc", "Mèo", None, status=FieldStatus.UNREADABLE, at=(680, 70), conf=0.3,
                  flags=("smudged",)),
        ]),
        Record(id="r1", number=None, region=box(10, 160, 990, 250), fields=[
            field("so", at=(20, 170)),
            field("ngayDangKy", "3/1/99", "1999-01-03", at=(130, 170), conf=0.97),
            field("nksHoTen", "Lò Văn A", "Lò Văn A", at=(240, 170), conf=0.99, flags=("overwritten",)),
            field("nksGioiTinh", "Trai", "Nam", at=(350, 170), conf=0.99),
        ]),
    ]
    right = [
        Record(id="r0", number="01", region=box(10, 60, 990, 150), fields=[
            field("meHoTen", "Lê Thị B", "Lê Thị B", at=(20, 70), conf=0.92),
            field("meNgaySinh", "1970", "1970", at=(130, 70), conf=0.99),
            field("meLoaiCuTru", "thường trú", "thường trú", at=(240, 70), conf=0.99),
            field("nycQuanHe", "Má", "Mẹ", at=(350, 70), conf=0.85),
            field("loaiDangKy", "Quá hạn", "quá hạn", at=(460, 70), conf=0.88),
        ], flags=[Flag(code="duplicate_number")]),
        Record(id="r1", number=None, region=box(10, 160, 990, 250), fields=[
            field("chaHoTen", at=(20, 170)),
            field("ghiChu", "", None, at=(130, 170)),
        ]),
    ]
    regions = [
        Region(id="t0", kind="title", polygon=box(300, 5, 700, 30), text="SỔ ĐĂNG KÝ KHAI SINH"),
        Region(id="m0", kind="margin_note", polygon=box(900, 600, 990, 690), text="đã sửa"),
        Region(id="s0", kind="stamp", polygon=box(800, 600, 880, 680)),
        Region(id="n0", kind="page_number", polygon=box(480, 670, 520, 695), text="7"),
    ]
    return page("left", left, number=7, regions=regions), page("right", right, number=8)
