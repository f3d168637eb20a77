"""What `make serve` checks before it serves, and the `check-config` and `backup` commands.

gunicorn's master (config/gunicorn.py) calls ``insecure_settings`` once before it forks: an
installation reachable by staff must not run with a throw-away secret key, the debugger, or the
demo accounts whose password is printed in the README.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from casework.demo import demo_logins_left

# file systems on which SQLite's locking is unreliable (sqlite.org: "SQLite Over a Network")
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "fuse.sshfs", "fuse.glusterfs", "fuse.cephfs", "lustre", "gpfs", "davfs", "fuse.s3fs",
})
MIN_SECRET_LENGTH = 32
_TRUE = {"1", "true", "yes", "on"}


@dataclass
class Findings:
    """Refusals (``errors``) and advice (``warnings``), in German, for the operator's terminal."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.cli.add_command(check_config_command)
    app.cli.add_command(backup_command)


def insecure_settings(app: Flask) -> Findings:
    """What stands against serving ``app`` to staff; the demo accounts need the database."""
    found = Findings()
    secret = os.environ.get("FALLWERK_SECRET_KEY", "")
    if len(secret) < MIN_SECRET_LENGTH:
        found.errors.append(
            f"FALLWERK_SECRET_KEY fehlt oder ist kürzer als {MIN_SECRET_LENGTH} Zeichen; erzeugen mit: "
            "python3 -c 'import secrets; print(secrets.token_hex(32))' (auf allen Web-Rechnern derselbe).")
    if app.debug or os.environ.get("FLASK_DEBUG", "").lower() in _TRUE:
        found.errors.append("Der Debug-Modus ist eingeschaltet (FLASK_DEBUG/FALLWERK_DEBUG): im Betrieb ausschalten.")
    if not app.config.get("ALLOW_DEMO"):
        _check_demo(app, found)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database:
        fstype = filesystem_type(Path(url.database))
        if fstype in NETWORK_FILESYSTEMS:
            found.warnings.append(
                f"Die SQLite-Datei {url.database} liegt auf einem Netzlaufwerk ({fstype}); SQLite sperrt dort "
                "nicht zuverlässig. Eine lokale Platte oder PostgreSQL verwenden.")
    if not app.config.get("SESSION_COOKIE_SECURE"):
        found.warnings.append("FALLWERK_SESSION_COOKIE_SECURE ist aus: hinter HTTPS auf true setzen.")
    return found


def _check_demo(app: Flask, found: Findings) -> None:
    try:
        with app.app_context():
            left = demo_logins_left()
    except SQLAlchemyError:
        found.warnings.append("Datenbank nicht erreichbar: ob Demo-Benutzer bestehen, wurde nicht geprüft.")
        return
    if left:
        found.errors.append(
            f"Es gibt {len(left)} Demo-Benutzer mit dem Passwort 'demo' (z. B. {', '.join(left[:3])}). "
            "Für einen Probebetrieb FALLWERK_ALLOW_DEMO=1 setzen; im Betrieb eine Datenbank ohne Demo-Daten.")


def filesystem_type(path: Path) -> str | None:
    """The type of the mounted file system holding ``path`` (Linux /proc/mounts), or None."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = path.resolve()
    best: tuple[int, str] | None = None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = Path(parts[1].replace("\\040", " "))
        if target == mount_point or mount_point in target.parents:
            depth = len(mount_point.parts)
            if best is None or depth > best[0]:
                best = (depth, parts[2])
    return best[1] if best else None


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """Report what `make serve` would refuse (exit status 1) or warn about."""
    found = insecure_settings(current_app._get_current_object())  # type: ignore[attr-defined]
    for warning in found.warnings:
        click.echo(f"Warnung: {warning}", err=True)
    for error in found.errors:
        click.echo(f"Abgelehnt: {error}", err=True)
    if found.errors:
        raise SystemExit(1)
    click.echo("Konfiguration für den Betrieb in Ordnung.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Copy the SQLite database to TARGET while Fallwerk keeps running (SQLite's online backup API).

    For PostgreSQL use pg_dump (docs/deployment.md).
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("Nur für SQLite; PostgreSQL sichert pg_dump (docs/deployment.md).")
    if target.exists():
        raise click.ClickException(f"{target} besteht schon; nichts überschrieben.")
    partial = target.with_name(target.name + ".partial")
    # the backup API copies a consistent snapshot page by page, while other processes go on writing
    source = sqlite3.connect(url.database)
    try:
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination, pages=1024)
        finally:
            destination.close()
    finally:
        source.close()
    partial.replace(target)  # a crash never leaves a half-written file under the target's name
    click.echo(f"Sicherung geschrieben: {target}")
