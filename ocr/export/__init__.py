"""What the drafting pipeline hands over: the Ministry's Excel file, PAGE-XML, one image file per
record, and a per-book summary."""

from ocr.export.excel import write_ministry_excel
from ocr.export.pagexml import page_to_pagexml, validate_pagexml
from ocr.export.record_files import write_record_files
from ocr.export.summary import book_summary, write_summary

__all__ = [
    "book_summary", "page_to_pagexml", "validate_pagexml", "write_ministry_excel",
    "write_record_files", "write_summary",
]
