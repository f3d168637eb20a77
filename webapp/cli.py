"""Command line: `flask --app app setup [--demo]`, `workflows deploy|list|export`, `users deactivate|activate`,
`search reindex`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from casework.demo import create_demo_world, create_groups
from casework.errors import Conflict, DefinitionInvalid, NotFound
from models import db
from webapp.common import services


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(workflows)
    app.cli.add_command(users)
    app.cli.add_command(search)


@click.command("setup")
@click.option("--demo", is_flag=True, help="Also create the demo organisations and users (password 'demo').")
def setup_command(demo: bool) -> None:
    """Create or migrate the schema, create the roles and deploy workflows/."""
    upgrade(directory=str(current_app.config["MIGRATIONS_DIR"]))
    casework = services()
    create_groups(casework.directory)
    # legal parameters are facts of the law, not demo data: every installation needs them
    casework.legal.seed()
    _deploy(Path(current_app.config["WORKFLOWS_DIR"]))
    if demo:
        create_demo_world(casework.directory)
        click.echo("Demo-Daten angelegt (Passwort 'demo' für alle Demo-Benutzer; nur zum Ausprobieren).")
    click.echo("Fallwerk ist eingerichtet.")


@click.group("users", cls=AppGroup)
def users() -> None:
    """Deactivate and reactivate users (the operator's counterpart of the admin API)."""


@users.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """The user can no longer sign in; their browser sessions and API tokens end at once."""
    try:
        services().directory.set_active(username, False, actor=None)
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{username} ist deaktiviert; alle Sitzungen und Tokens sind beendet.")


@users.command("activate")
@click.argument("username")
def activate_command(username: str) -> None:
    try:
        services().directory.set_active(username, True, actor=None)
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{username} ist wieder aktiv.")


@click.group("search", cls=AppGroup)
def search() -> None:
    """Full-text case search."""


@search.command("reindex")
def reindex_command() -> None:
    """Rebuild the searchable text of every case (after an upgrade or a changed presentation)."""
    click.echo(f"{services().search.reindex()} Fälle neu indexiert.")


@click.group("workflows")
def workflows() -> None:
    """Deploy and list process definitions."""


@workflows.command("deploy")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def deploy_command(path: Path | None) -> None:
    """Deploy the BPMN/DMN files under PATH (default: workflows/) or the single file PATH."""
    _deploy(path or Path(current_app.config["WORKFLOWS_DIR"]))


@workflows.command("export")
@click.option("--key", default=None, help="Only this process (default: every deployed process).")
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Target folder (default: workflows/).")
def export_command(key: str | None, directory: Path | None) -> None:
    """Write the latest deployed version's files back to disk, so what designers deployed goes into git."""
    target = directory or Path(current_app.config["WORKFLOWS_DIR"])
    try:
        written = services().designer.export(target, key)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    for path in written:
        click.echo(f"geschrieben: {path}")


@workflows.command("list")
def list_command() -> None:
    """The latest version of every deployed process."""
    for d in services().repository.list_definitions():
        click.echo(f"{d.key}\tv{d.version}\t{d.deployed_at:%Y-%m-%d %H:%M}\t{d.name}")


def _deploy(path: Path) -> None:
    repository = services().repository
    try:
        if path.is_dir():
            results = repository.deploy_directory(path)
        else:
            results = repository.deploy({path.name: path.read_bytes()}, actor=None)
    except DefinitionInvalid as exc:
        for problem in exc.problems:
            click.echo(f"{problem.severity}: {problem.file}: {problem.element_id or '-'}: {problem.message}", err=True)
        raise click.ClickException("Bereitstellung abgelehnt; nichts wurde bereitgestellt.") from exc
    for info, created in results:
        state = "neu bereitgestellt" if created else "unverändert"
        click.echo(f"{info.key} v{info.version}: {state}")
        for warning in info.warnings if created else ():
            click.echo(f"  Warnung: {warning['element_id'] or '-'}: {warning['message']}")


def deploy_on_startup(app: Flask) -> None:
    """Deploy workflows/ when the schema exists; several processes starting at once is fine."""
    with app.app_context():
        try:
            ready = inspect(db.engine).has_table("process_definitions")
        except SQLAlchemyError as exc:
            # serve anyway: /healthz then answers 503 until the database is back
            app.logger.error("Datenbank nicht erreichbar; nichts bereitgestellt: %s", exc)
            db.session.remove()
            return
        if not ready:
            app.logger.warning("Datenbank ist nicht eingerichtet: 'flask --app app setup' ausführen.")
            return
        try:
            services().repository.deploy_directory(Path(app.config["WORKFLOWS_DIR"]))
        except Conflict:
            pass  # another process deployed the same files at the same moment
        except DefinitionInvalid as exc:
            app.logger.error("workflows/ enthält fehlerhafte Dateien: %s", exc.message)
        finally:
            db.session.remove()
