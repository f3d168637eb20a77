"""flask --app app documents check [--remove-orphans]: stored objects against document rows."""

from __future__ import annotations

import sys

import click

from webapp.common import services


@click.group("documents")
def documents_cli() -> None:
    """Documents of the cases (the case file)."""


@documents_cli.command("check")
@click.option("--remove-orphans", is_flag=True, help="Delete the stored files no document names.")
def check_command(remove_orphans: bool) -> None:
    """List stored files no document names (orphans) and documents whose file is missing.
    Exit status 1 when a file is missing (that needs a person), 0 otherwise."""
    documents = services().documents
    orphans, missing = documents.check()
    for digest in orphans:
        click.echo(f"verwaist: {digest}")
    for document in missing:
        click.echo(f"fehlt: {document.sha256} (Dokument {document.id}, Fall {document.instance_id})")
    if remove_orphans and orphans:
        removed = documents.remove_orphans()
        click.echo(f"{len(removed)} verwaiste Datei(en) gelöscht.")
    click.echo(f"{len(orphans)} verwaist, {len(missing)} fehlend.")
    if missing:
        sys.exit(1)
