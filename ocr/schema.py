"""The one document schema: pages > grid, records > fields > lines, with regions and confidences.

It holds synthetic ground truth, model drafts, exports and annotations alike. Coordinates are page
pixels of the page image the document refers to, as ``[x, y]`` pairs; polygons are closed
implicitly (the last point joins the first). All text is Unicode NFC.
"""

from __future__ import annotations

import json
import unicodedata
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field as PydField, field_validator, model_validator

SCHEMA_VERSION = "1.0"

Point = tuple[float, float]
Polygon = list[Point]


class SchemaModel(BaseModel):
    """Base of every schema type: unknown keys are an error, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _nfc(value: str | None) -> str | None:
    return None if value is None else unicodedata.normalize("NFC", value)


class BookType(str, Enum):
    """Register types, with the Ministry's codes."""

    KS = "KS"  # khai sinh (birth)
    KT = "KT"  # khai tử (death)
    KH = "KH"  # kết hôn (marriage)
    CMC = "CMC"  # nhận cha, mẹ, con (parent-child recognition)
    NCN = "NCN"  # nuôi con nuôi (adoption)


class FieldStatus(str, Enum):
    """Whether a field holds text; "unreadable" is never the same as "empty"."""

    FILLED = "filled"
    EMPTY = "empty"
    UNREADABLE = "unreadable"


class AdminUnit(SchemaModel):
    """A pre-2025 administrative unit (province > district > commune) with its codes."""

    province: str
    district: str | None = None
    commune: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None

    _nfc_all = field_validator("province", "district", "commune")(_nfc)


class BookMeta(SchemaModel):
    """What identifies the book a page belongs to."""

    book_type: BookType
    year: int = PydField(ge=1900, le=2100)
    volume: str = "01"
    page_number: int = PydField(ge=1)
    unit: AdminUnit | None = None


class ImageRef(SchemaModel):
    """The page image: a path relative to the JSON file (or absolute), and its size in pixels."""

    path: str
    width: int = PydField(gt=0)
    height: int = PydField(gt=0)
    sha256: str | None = None


class Flag(SchemaModel):
    """A reason for review: a machine-readable code and a human message (no personal data)."""

    code: str
    message: str = ""


class Line(SchemaModel):
    """One line of writing: its polygon, baseline, transcription and recognition confidence."""

    id: str
    polygon: Polygon
    baseline: list[Point] = PydField(default_factory=list)
    text: str = ""
    confidence: float | None = PydField(default=None, ge=0.0, le=1.0)
    char_confidences: list[float] | None = None
    strikethrough: bool = False  # the writer struck this line out; it is not part of the value

    _nfc_text = field_validator("text")(_nfc)


class Field(SchemaModel):
    """One template field of one record."""

    key: str
    raw_text: str = ""
    value: str | None = None
    region: Polygon | None = None
    lines: list[Line] = PydField(default_factory=list)
    # a reading's confidence; for a field drafted empty, the confidence that its slot is blank
    confidence: float | None = PydField(default=None, ge=0.0, le=1.0)
    status: FieldStatus = FieldStatus.EMPTY
    flags: list[Flag] = PydField(default_factory=list)

    _nfc_text = field_validator("raw_text", "value")(_nfc)

    @model_validator(mode="after")
    def _status_matches_text(self) -> "Field":
        if self.status == FieldStatus.FILLED and not self.raw_text:
            raise ValueError(f"field {self.key!r} is 'filled' but has no raw_text")
        if self.status == FieldStatus.EMPTY and self.raw_text:
            raise ValueError(f"field {self.key!r} is 'empty' but has raw_text")
        return self


class Cell(SchemaModel):
    """A cell of the ruled table (or a field box of a block layout)."""

    row: int = PydField(ge=0)
    col: int = PydField(ge=0)
    row_span: int = PydField(default=1, ge=1)
    col_span: int = PydField(default=1, ge=1)
    polygon: Polygon
    field_keys: list[str] = PydField(default_factory=list)
    record_id: str | None = None
    header: bool = False


class TableGrid(SchemaModel):
    """The table of a page: rows, columns and cells as polygons."""

    rows: int = PydField(ge=0)
    cols: int = PydField(ge=0)
    region: Polygon | None = None
    cells: list[Cell] = PydField(default_factory=list)


class Record(SchemaModel):
    """One registration (one record of a book) as far as it lies on this page."""

    id: str
    number: str | None = None
    region: Polygon
    fields: list[Field] = PydField(default_factory=list)
    flags: list[Flag] = PydField(default_factory=list)

    def field(self, key: str) -> Field:
        """The field with this key; KeyError names the keys that exist."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"record {self.id} has no field {key!r}; it has {[f.key for f in self.fields]}")


RegionKind = Literal[
    "title", "header", "stamp", "signature", "margin_note", "page_number", "other"
]


class Region(SchemaModel):
    """A page region that is not a record: printed headers, stamps, margin notes..."""

    id: str
    kind: RegionKind
    polygon: Polygon
    text: str = ""
    lines: list[Line] = PydField(default_factory=list)

    _nfc_text = field_validator("text")(_nfc)


class Provenance(SchemaModel):
    """Where a document came from: the generator with its seed, or the models that drafted it."""

    source: Literal["synthetic", "draft", "annotation", "manual"]
    generator: str | None = None
    seed: int | None = None
    conditions: list[str] = PydField(default_factory=list)  # synthetic degradations applied
    models: dict[str, str] = PydField(default_factory=dict)  # model id -> sha256
    created: str | None = None


class Page(SchemaModel):
    """One page image with everything found or known on it."""

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    id: str
    image: ImageRef
    template_id: str
    side: Literal["left", "right", "single"] = "single"
    book: BookMeta
    grid: TableGrid | None = None
    records: list[Record] = PydField(default_factory=list)
    regions: list[Region] = PydField(default_factory=list)
    provenance: Provenance | None = None

    def all_lines(self) -> list[Line]:
        """Every line on the page: record fields first, then other regions."""
        lines = [ln for r in self.records for f in r.fields for ln in f.lines]
        return lines + [ln for reg in self.regions for ln in reg.lines]

    def to_json(self, indent: int | None = 1) -> str:
        """JSON text with non-ASCII kept as is (NFC)."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Page":
        return cls.model_validate_json(text)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Page":
        """Read a page JSON; a wrong schema version or bad content names the file and the key."""
        path = Path(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"{path}: schema_version {version!r} is not supported (expected {SCHEMA_VERSION!r})"
            )
        return cls.model_validate(raw)

