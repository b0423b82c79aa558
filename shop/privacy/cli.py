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


@privacy_cli.command("erase-account")
@click.argument("user_id", type=int)
def erase_account_command(user_id: int) -> None:
    """Erase a customer account's personal data (a request made in writing, or again after a
    restore from a backup older than the deletion), keeping the order records."""
    from shop.errors import Refused
    from shop.privacy.erasure import erase_account_for_operator

    try:
        erase_account_for_operator(user_id)
    except Refused as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Account {user_id} erased.")
