"""Workbench settings: the data directory, the database URL and the limits, from options or the
environment (``HOTICH_DATA_DIR``, ``HOTICH_DATABASE_URL``, ``HOTICH_IMPORT_ROOTS``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "HOTICH_DATA_DIR"
DATABASE_URL_ENV = "HOTICH_DATABASE_URL"
IMPORT_ROOTS_ENV = "HOTICH_IMPORT_ROOTS"
DEFAULT_DATA_DIR = Path("out/workbench")  # ignored by git


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to start; paths are absolute."""

    data_dir: Path
    database_url: str
    max_upload_bytes: int = 40 * 1024 * 1024  # one scan file
    max_upload_files: int = 400  # one book
    session_hours: float = 10.0  # a working day
    login_attempts: int = 5  # failures per window before refusing (per address and per user name)
    login_window_s: float = 300.0
    secure_cookies: bool = False  # True behind HTTPS
    draft_workers: int = 1  # pages drafted in parallel per book
    start_worker: bool = True
    import_roots: tuple[Path, ...] = ()  # server folders that may be registered as scans (none: refused)

    @property
    def books_dir(self) -> Path:
        return self.data_dir / "books"

    @classmethod
    def load(cls, data_dir: Path | str | None = None, database_url: str | None = None, **overrides) -> "Settings":
        """Options first, then the environment, then ``out/workbench`` with SQLite inside it; the
        import roots come from ``HOTICH_IMPORT_ROOTS`` (``os.pathsep``-separated) unless given."""
        roots = overrides.pop("import_roots", None)
        if roots is None:
            roots = [p for p in os.environ.get(IMPORT_ROOTS_ENV, "").split(os.pathsep) if p.strip()]
        overrides["import_roots"] = tuple(Path(p).resolve() for p in roots)
        folder = Path(data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
        url = database_url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{folder / 'workbench.db'}"
        return cls(data_dir=folder, database_url=url, **overrides)
