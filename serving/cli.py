"""`hotich serve`: the review workbench (FastAPI + uvicorn), sample books drafted on first start."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from serving.config import DATA_DIR_ENV, DATABASE_URL_ENV, Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: the whole network).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=DATA_DIR_ENV, default=None,
              help=f"Database, scans and drafts [env {DATA_DIR_ENV}; default out/workbench].")
@click.option("--database-url", envvar=DATABASE_URL_ENV, default=None,
              help=f"SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db [env {DATABASE_URL_ENV}; "
                   "default SQLite in the data directory].")
@click.option("--no-samples", is_flag=True, help="Do not create the sample book on first start.")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Pages drafted in parallel.")
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind TLS).")
def serve(host: str, port: int, data_dir: Path | None, database_url: str | None, no_samples: bool, workers: int,
          secure_cookies: bool) -> None:
    """Start the review workbench: officers correct and approve drafts, verifiers confirm, supervisors
    follow progress. Open http://HOST:PORT/ in a browser; API documentation at /docs.

    \b
        hotich serve --data-dir out/workbench --port 8000
    """
    import uvicorn

    from serving.app import create_app
    from serving.samples import first_start, queued_books

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load(data_dir, database_url, draft_workers=workers, secure_cookies=secure_cookies)
    try:
        app = create_app(settings)
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached or migrated
        raise click.ClickException(f"cannot open the database ({type(exc).__name__}: {exc}); check --database-url "
                                   f"or --data-dir") from None
    with app.state.sessions() as db:
        start = first_start(db, settings, samples=not no_samples)
        queued = queued_books(db)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(f"hotich workbench: {url}  (data: {settings.data_dir})", err=True)
    if start.created:
        click.echo(f"first start: log in as 'admin' (or canbo / kiemtra / giamsat) with password {start.password}\n"
                   f"  (all accounts are listed in {start.login_file}; {start.books} sample book(s) queued for drafting)",
                   err=True)
    else:
        click.echo(f"log in with your account; the first-start accounts are in {start.login_file}", err=True)
    if queued:
        click.echo(f"{queued} book(s) being drafted in the background; progress shows on the books page", err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
