"""Ledger templates: the printed design of a register, loaded from ``configs/ledgers/*.yaml``.

A template says which fields a record has (keyed by the Ministry's Excel keys), how they are laid
out on the page (a ruled table of rows, possibly across the two pages of a spread, or blocks of
labelled lines as in the 2006 large books) and what the printed headers say. Templates are
configuration: adding a book design means adding a YAML file, not code.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ocr.ministry import EXCEL_COLUMNS
from ocr.schema import BookType

FieldType = Literal[
    "name", "date", "date_words", "place", "ethnicity", "nationality", "gender", "number",
    "relationship", "title", "time", "text", "signature",
]
Side = Literal["single", "left", "right"]
GENDERS = ("Nam", "Nữ")


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file and the bad key."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One field of a record: its key, printed header, kind of content and whether it wraps."""

    key: str
    header: str
    type: FieldType
    multiline: bool = False
    required: bool = False
    excel: bool = True  # the key is a column of the Ministry's Excel file for this book type
    surname_of: str | None = None  # a name that usually carries the surname of this other name field
    gender: str | None = None  # a name's gender: "Nam", "Nữ", or the key of the record's gender field
    book_year: bool = False  # a date of the book's year (registers are kept a book per year)


_FIELD_KEYS = set(FieldSpec.model_fields)


class Column(_Spec):
    """A column of a ruled table: one field, or several stacked in the cell (``stack``).

    YAML may give a single-field column in short form: ``{key, header, width, type, ...}``.
    Stacked fields are separated by printed rules when ``ruled`` (a record then spans several
    ruled rows), or simply written one under the other in the same cell.
    """

    header: str
    width: float = Field(gt=0)
    group: str | None = None
    stack: list[FieldSpec] = Field(min_length=1)
    ruled: bool = False

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "key" in data:
            if "stack" in data:
                raise ValueError("give either 'key' (one field) or 'stack' (several), not both")
            data = dict(data)
            field = {k: data.pop(k) for k in list(data) if k in _FIELD_KEYS - {"header"}}
            field["header"] = data.get("header", "")
            data["stack"] = [field]
        return data


class TablePage(_Spec):
    """The columns printed on one page (or one side of a spread), left to right."""

    columns: list[Column] = Field(min_length=1)


class RowsLayout(_Spec):
    """A ruled table with one record per row (or per group of ruled rows)."""

    kind: Literal["rows"]
    rows_per_page: tuple[int, int]
    pages: dict[Side, TablePage]

    @model_validator(mode="after")
    def _check(self) -> "RowsLayout":
        lo, hi = self.rows_per_page
        if not 1 <= lo <= hi:
            raise ValueError(f"rows_per_page {list(self.rows_per_page)} must be [min, max] with 1 <= min <= max")
        if set(self.pages) not in ({"single"}, {"left", "right"}):
            raise ValueError(f"pages must be either 'single' or both 'left' and 'right', not {sorted(self.pages)}")
        for side, page in self.pages.items():
            ruled = {len(c.stack) for c in page.columns if c.ruled and len(c.stack) > 1}
            if len(ruled) > 1:
                raise ValueError(f"pages.{side}: ruled stacks must all hold the same number of fields, not {sorted(ruled)}")
        return self


class BlockField(FieldSpec):
    """A labelled field of a block layout; ``header`` is its printed label."""

    width: float = Field(default=1.0, gt=0)
    lines: int = Field(default=1, ge=1, le=4)


class BlocksLayout(_Spec):
    """Fixed blocks per page, each a record of labelled lines (the 2006 large books)."""

    kind: Literal["blocks"]
    records_per_page: int = Field(ge=1, le=8)
    block_columns: int = Field(default=1, ge=1, le=4)
    rows: list[list[BlockField]] = Field(min_length=1)


class PageSpec(_Spec):
    """Paper size, margins and the printed title."""

    width_mm: float = Field(gt=50, le=600)
    height_mm: float = Field(gt=50, le=600)
    margins_mm: tuple[float, float, float, float] = (15, 12, 15, 12)  # top, right, bottom, left
    title: str | None = None
    subtitle: str | None = None
    title_height_mm: float = Field(default=18, ge=0)
    header_height_mm: float = Field(default=16, ge=0)


class LedgerTemplate(_Spec):
    """A ledger design: identity, book type, era, page and layout."""

    id: str
    name: str
    book_type: BookType
    years: tuple[int, int]
    page: PageSpec
    layout: RowsLayout | BlocksLayout = Field(discriminator="kind")

    @model_validator(mode="after")
    def _check_fields(self) -> "LedgerTemplate":
        seen: set[str] = set()
        allowed = set(EXCEL_COLUMNS[self.book_type.value])
        for spec in self.fields:
            if spec.key in seen:
                raise ValueError(f"field key {spec.key!r} appears twice")
            seen.add(spec.key)
            if spec.excel and spec.key not in allowed:
                raise ValueError(
                    f"field key {spec.key!r} is not a Ministry Excel key for {self.book_type.value}; "
                    "fix its spelling or mark it 'excel: false'"
                )
        for spec in self.fields:
            if spec.gender is not None and (spec.type != "name" or spec.gender not in GENDERS and (
                    spec.gender not in seen or self.field(spec.gender).type != "gender")):
                raise ValueError(f"field {spec.key!r}: gender is 'Nam', 'Nữ' or the key of a gender field, "
                                 f"not {spec.gender!r}")
            if spec.book_year and spec.type != "date":
                raise ValueError(f"field {spec.key!r}: book_year is for dates, not {spec.type} fields")
            if spec.surname_of is not None and (spec.type != "name" or spec.surname_of not in seen
                                                or self.field(spec.surname_of).type != "name"):
                raise ValueError(f"field {spec.key!r}: surname_of names a name field of this template, "
                                 f"not {spec.surname_of!r}")
        if "so" not in seen:
            raise ValueError("a template needs the registration number field 'so'")
        return self

    @cached_property
    def fields(self) -> list[FieldSpec]:
        """Every field in page order (left page before right page, top to bottom)."""
        if isinstance(self.layout, BlocksLayout):
            return [f for row in self.layout.rows for f in row]
        return [f for page in self.layout.pages.values() for col in page.columns for f in col.stack]

    @property
    def sides(self) -> list[Side]:
        """The sides of a spread this design prints on ("single" for one-page designs)."""
        return list(self.layout.pages) if isinstance(self.layout, RowsLayout) else ["single"]

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(f"template {self.id!r} has no field {key!r}")


def config_dir() -> Path:
    """The configuration folder: ``$HOTICH_CONFIG_DIR`` or the repository's ``configs/``."""
    env = os.environ.get("HOTICH_CONFIG_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "configs"


def template_names() -> list[str]:
    """Names of the shipped templates (file names without ``.yaml``)."""
    return sorted(p.stem for p in (config_dir() / "ledgers").glob("*.yaml"))


def _location(loc: tuple[Any, ...]) -> str:
    """A dotted key path, without the union tag pydantic inserts after ``layout``."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "layout" and parts[1] in ("rows", "blocks"):
        del parts[1]
    return ".".join(str(p) for p in parts)


def load_template(name_or_path: str | Path) -> LedgerTemplate:
    """Load and validate a template by name (``ks_1999``) or path; errors name file and key."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = config_dir() / "ledgers" / f"{name_or_path}.yaml"
        if not path.exists():
            raise TemplateError(
                f"no ledger template {str(name_or_path)!r}; known templates: {', '.join(template_names())}"
            )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read the template: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateError(f"{path}: a template is a YAML mapping, got {type(raw).__name__}")
    raw.setdefault("id", path.stem)
    if raw["id"] != path.stem:
        raise TemplateError(f"{path}: id {raw['id']!r} must equal the file name {path.stem!r}")
    try:
        return LedgerTemplate.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors())
        raise TemplateError(f"{path}: {problems}") from None
