"""`flask privacy ...`: erase guests' details once their retention time is over."""

from __future__ import annotations

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data: retention and erasure.")


@privacy_cli.command("erase-expired")
def erase_expired_command() -> None:
    """Erase guest delivery details GUEST_DATA_RETENTION_DAYS after their order closed, and
    log-ins older than LOGIN_HISTORY_DAYS (safe to run again: each is erased once)."""
    from shop.privacy.erasure import erase_expired

    erased = erase_expired()
    click.echo(f"Guest orders erased: {erased}.")
