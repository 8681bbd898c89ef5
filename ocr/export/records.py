"""Records of a book across pages: the left and right halves of a spread joined into one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ocr.schema import BookType, Field, Page, Record
from ocr.templates import LedgerTemplate, TemplateError, load_template


@lru_cache(maxsize=32)
def page_template(template_id: str) -> LedgerTemplate | None:
    """The ledger template a page names, loaded once; None when it is not installed here."""
    try:
        return load_template(template_id)
    except TemplateError:
        return None


@dataclass
class BookRecord:
    """One registration: its parts, one per page it lies on (left before right)."""

    id: str
    parts: list[tuple[Page, Record]] = field(default_factory=list)

    @property
    def first_page(self) -> Page:
        return self.parts[0][0]

    @property
    def number(self) -> str | None:
        """The registration number as recorded on the first part that has one."""
        return next((r.number for _, r in self.parts if r.number), None)

    def fields(self) -> Iterator[Field]:
        """Every field of every part, in page order."""
        for _, rec in self.parts:
            yield from rec.fields

    def field(self, key: str) -> Field | None:
        """The field with this key: the first part's that holds text, else the first found."""
        found = [f for f in self.fields() if f.key == key]
        return next((f for f in found if f.raw_text or f.value), found[0] if found else None)


def book_type_of(pages: Sequence[Page]) -> BookType:
    """The one book type of ``pages``; a clear error when there are none or several."""
    if not pages:
        raise ValueError("no pages given: pass the pages of one book")
    types = sorted({p.book.book_type.value for p in pages})
    if len(types) > 1:
        raise ValueError(
            f"the pages mix book types ({', '.join(types)}); export each book type separately "
            "(group the pages by page.book.book_type)"
        )
    return pages[0].book.book_type


def book_records(pages: Sequence[Page]) -> list[BookRecord]:
    """Records in page order; a record id seen on a left page joins its right-page part.

    Only the two sides of a spread are joined: the same id on two single pages (or twice on one
    side) stays two records, so that nothing is silently merged.
    """
    out: list[BookRecord] = []
    open_spread: dict[str, BookRecord] = {}  # record id -> record still missing its right part
    for page in pages:
        for rec in page.records:
            joined = open_spread.pop(rec.id, None) if page.side == "right" else None
            if joined is not None:
                joined.parts.append((page, rec))
                continue
            book_rec = BookRecord(rec.id, [(page, rec)])
            out.append(book_rec)
            if page.side == "left":
                open_spread[rec.id] = book_rec
    return out
