"""`flask` sub-commands: demo data, users, the product-set taxonomy, the mail outbox."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from shop.enums import Role
from shop.extensions import db

demo_cli = AppGroup("demo", help="The demo catalogue.")
users_cli = AppGroup("users", help="User accounts.")
catalog_cli = AppGroup("catalog", help="The catalogue's reference data.")
mail_cli = AppGroup("mail", help="The e-mail outbox.")
certificates_cli = AppGroup("certificates", help="OCOP certificates.")
search_cli = AppGroup("search", help="The search index.")
orders_cli = AppGroup("orders", help="Orders.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo producers, products and accounts (safe to run again).

    The demo goes through the shop's own services and commits as it goes: after a failure,
    running it again finishes what is missing."""
    from shop.demo import DEMO_ACCOUNTS, DemoError, load_demo

    try:
        created = load_demo()
    except DemoError as error:
        raise click.ClickException(f"The demo could not be loaded: {error}") from None
    click.echo(f"Demo catalogue ready ({created} new products).")
    _print_accounts(DEMO_ACCOUNTS)


@demo_cli.command("accounts")
def demo_accounts() -> None:
    """Print the demo accounts and their passwords."""
    from shop.demo import DEMO_ACCOUNTS

    _print_accounts(DEMO_ACCOUNTS)


def _print_accounts(accounts) -> None:
    click.echo("Demo accounts (e-mail / password):")
    for account in accounts:
        click.echo(f"  {account.role:<9} {account.email:<32} {account.password}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CUSTOMER.value)
@click.option(
    "--name", "full_name", default=None, help="Full name (defaults to the e-mail's user part)."
)
@click.option(
    "--password", default=None, help="Password; a random one is generated and printed if omitted."
)
def users_create(email: str, role: str, full_name: str | None, password: str | None) -> None:
    """Create an account, for example `flask users create --role staff an@cho-ocop.vn`."""
    from shop.accounts.services import AccountError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(
            email=email,
            password=password,
            full_name=full_name or email.split("@")[0],
            role=Role(role),
        )
    except AccountError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")
    if generated:
        click.echo(f"Password: {password}")


@catalog_cli.command("sync-sets")
def catalog_sync_sets() -> None:
    """Bring the product-set table in line with shop/data/ocop_product_sets.csv."""
    from shop.catalog.services import sync_product_sets

    count = sync_product_sets()
    db.session.commit()
    click.echo(f"{count} product sets loaded.")


@mail_cli.command("send")
def mail_send() -> None:
    """Deliver every pending message (retry after an SMTP failure; cron-friendly)."""
    from shop.mail import send_pending

    sent, failed = send_pending()
    click.echo(f"{sent} sent, {failed} failed.")
    if failed:
        raise SystemExit(1)


@certificates_cli.command("remind")
def certificates_remind() -> None:
    """E-mail producers 60, 30 and 7 days before an expiry (each once; run it daily)."""
    from shop.certification.services import send_expiry_reminders

    count = send_expiry_reminders()
    db.session.commit()
    click.echo(f"{count} reminders queued.")


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the database."""
    from shop.search import backend, reindex
    from shop.search.documents import indexable_count

    total = indexable_count()
    with click.progressbar(length=total, label=f"Indexing ({backend().name})") as bar:
        done = [0]

        def advance(count: int, _total: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        indexed = reindex(advance)
    click.echo(f"{indexed} products indexed.")


@search_cli.command("check")
def search_check() -> None:
    """Report products missing from the index or in it by mistake (exit 1 if any)."""
    from shop.search import check

    missing, extra = check()
    click.echo(f"{len(missing)} missing, {len(extra)} extra.")
    for label, ids in (("missing", missing), ("extra", extra)):
        if ids:
            click.echo(f"  {label}: {', '.join(map(str, sorted(ids)[:50]))}")
    if missing or extra:
        raise SystemExit(1)


@orders_cli.command("release-expired")
def orders_release_expired() -> None:
    """Cancel unpaid card/transfer orders past their hold and restore stock (cron-safe)."""
    from shop.checkout.services import release_expired_holds

    click.echo(f"{release_expired_holds()} orders released.")


@orders_cli.command("refunds")
def orders_refunds() -> None:
    """Retry the card refunds of cancelled shipments Stripe has not made yet (cron-safe)."""
    from shop.orders.refunds import process_card_refunds

    refunded, failed = process_card_refunds()
    click.echo(f"{refunded} refunded, {failed} failed.")
    if failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    groups = (demo_cli, users_cli, catalog_cli, mail_cli, certificates_cli, search_cli, orders_cli)
    for group in groups:
        app.cli.add_command(group)
