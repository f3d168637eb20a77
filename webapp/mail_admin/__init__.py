"""Mail: the admins' outbox page (/admin/outbox) and each user's mail settings (/account).

``init_app`` also hands the MAIL_*, BASE_URL and REMINDER_* settings to the services, once at start.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask
from flask.cli import with_appcontext

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("mail_admin", __name__))


def init_app(app: Flask) -> None:
    """Configure the outbox and the reminders from the app config and register the pages."""
    casework = app.extensions["casework"]
    config = app.config
    casework.outbox.configure(
        host=str(config["MAIL_HOST"]),
        port=int(config["MAIL_PORT"]),
        tls=str(config["MAIL_TLS"]),
        username=str(config["MAIL_USERNAME"]),
        password=str(config["MAIL_PASSWORD"]),
        sender=str(config["MAIL_SENDER"]),
        timeout=float(config["MAIL_TIMEOUT"]),
        ca_file=str(config["MAIL_CA_FILE"]),
        max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
        retry_base_seconds=int(config["MAIL_RETRY_BASE_SECONDS"]),
        retry_max_seconds=int(config["MAIL_RETRY_MAX_SECONDS"]),
        lease_seconds=int(config["MAIL_LEASE_SECONDS"]),
        batch_size=int(config["MAIL_BATCH_SIZE"]),
        keep_days=int(config["MAIL_KEEP_DAYS"]),
        base_url=str(config["BASE_URL"]),
    )
    casework.reminders.configure(
        default_policy=str(config["REMINDER_POLICY"]),
        hour=int(config["REMINDER_HOUR"]),
        fallback_group=str(config["ESCALATION_FALLBACK_GROUP"] or "") or None,
    )
    app.register_blueprint(bp)
    app.cli.add_command(mail_command)


@click.group("mail")
def mail_command() -> None:
    """E-mail: check the settings."""


@mail_command.command("test")
@click.argument("address")
@with_appcontext
def send_test(address: str) -> None:
    """Send a test mail to ADDRESS now, through the outbox, and say whether the server took it."""
    from casework.errors import ValidationFailed
    from webapp.common import services

    try:
        report = services().outbox.send_test(address)
    except ValidationFailed as exc:
        raise click.BadParameter(exc.message, param_hint="ADDRESS") from exc
    if report.sent:
        click.echo(f"Gesendet: {report.sent} E-Mail(s).")
    else:
        raise click.ClickException("Nicht gesendet: " + "; ".join(report.errors or ["keine E-Mail fällig"]))


from webapp.mail_admin import routes  # noqa: E402,F401  (registers the views on bp)
