"""The ``hotich`` command: a thin click group whose subcommands live with their packages.

Subcommands are registered as entry points in the ``hotich.commands`` group (see
``pyproject.toml``) and imported only when used, so ``ocr`` never imports ``training`` and
inference commands never import torch.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from ocr.templates import TemplateError, load_template, template_names

ENTRY_POINT_GROUP = "hotich.commands"


class _PluginGroup(click.Group):
    """A group that adds the commands registered by installed packages, loaded lazily."""

    def _plugins(self) -> dict:
        return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        builtin = super().get_command(ctx, name)
        if builtin is not None:
            return builtin
        ep = self._plugins().get(name)
        if ep is None:
            return None
        try:
            return ep.load()
        except ImportError as exc:
            return _unavailable(name, ep.value, exc)


def _unavailable(name: str, target: str, exc: ImportError) -> click.Command:
    """A command standing in for one whose package cannot be imported; it says what to install."""
    extra = "synth" if target.startswith("training.synth") else "bench" if ".bench" in target else "train"
    extra = "annotate" if target.startswith("annotation") else extra
    extra = "serve" if target.startswith("serving") else extra

    @click.command(name, context_settings={"ignore_unknown_options": True}, add_help_option=False,
                   help=f"(unavailable: pip install -e '.[{extra}]')")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        raise click.ClickException(f"`hotich {name}` needs optional dependencies ({exc}); "
                                   f"install them with: pip install -e '.[{extra}]'")

    return command


@click.group(cls=_PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hotich")
def main() -> None:
    """hotich: machine-filled drafts from scanned Vietnamese civil-status ledgers.

    Run `hotich COMMAND --help` for the options of a command.
    """


@main.command("templates")
@click.argument("name", required=False)
def templates_cmd(name: str | None) -> None:
    """List the ledger templates, or show the fields of template NAME."""
    if name is None:
        for n in template_names():
            t = load_template(n)
            click.echo(f"{n:12s} {t.book_type.value:4s} {t.years[0]}-{t.years[1]}  {t.name}")
        return
    try:
        t = load_template(name)
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{t.id}: {t.name} ({t.book_type.value}, {t.years[0]}-{t.years[1]}, sides: {', '.join(t.sides)})")
    for f in t.fields:
        flags = " ".join(x for x, on in (("multi-line", f.multiline), ("required", f.required)) if on)
        click.echo(f"  {f.key:22s} {f.type:12s} {f.header}  {flags}")


if __name__ == "__main__":
    main()
