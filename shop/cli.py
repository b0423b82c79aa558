"""`flask` sub-commands: demo data, users, the product-set taxonomy, the mail outbox, backups."""

from __future__ import annotations

import secrets
from pathlib import Path

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
backup_cli = AppGroup("backup", help="Backups: create, verify and restore archives.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo producers, products and accounts (safe to run again).

    The demo goes through the shop's own services and commits as it goes: after a failure,
    running it again finishes what is missing."""
    from shop.demo import DEMO_ACCOUNTS, DemoError, load_demo
    from shop.demo.sales import load_sales_month

    try:
        created = load_demo()
    except DemoError as error:
        raise click.ClickException(f"The demo could not be loaded: {error}") from None
    click.echo(f"Demo catalogue ready ({created} new products).")
    click.echo(f"Demo sales: {load_sales_month()} new orders.")  # shop/demo/sales.py
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
    from shop.accounts.services import create_user
    from shop.errors import Refused

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(
            email=email,
            password=password,
            full_name=full_name or email.split("@")[0],
            role=Role(role),
        )
    except Refused as error:
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


@certificates_cli.command("draw-scans")
def certificates_draw_scans() -> None:
    """Draw the pages of stored scans that have none yet (scans sent before pages were drawn),
    checking each again; a scan the checks now refuse is reported, and kept as evidence."""
    import sqlalchemy as sa

    from shop.certification.models import Certificate
    from shop.certification.scans import ScanRejected, drawn_pages, kept_scans, store_scan

    paths = db.session.scalars(
        sa.select(Certificate.scan_path).where(Certificate.scan_path.is_not(None)).distinct()
    ).all()
    drawn = refused = 0
    for path in paths:
        if drawn_pages(path) or not kept_scans().exists(path):
            continue
        try:
            store_scan(kept_scans().read(path))
            drawn += 1
        except ScanRejected as rejected:
            refused += 1
            click.echo(f"{path}: refused ({rejected.code}); staff should ask for a new scan")
    click.echo(f"{drawn} scans drawn, {refused} refused.")


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
    db.session.commit()  # the PostgreSQL backend writes its tables through the session
    click.echo(f"{indexed} products indexed.")
    _say_if_whoosh_is_too_large(indexed)


def _say_if_whoosh_is_too_large(documents: int) -> None:
    """Past WHOOSH_MAX_PRODUCTS: the warning, in Vietnamese and English, on stderr."""
    from flask_babel import force_locale

    from shop.search.size import staff_message, whoosh_oversize

    if whoosh_oversize(documents) is None:
        return
    for locale in ("vi", "en"):
        with force_locale(locale):
            click.echo(f"WARNING: {staff_message(documents)}", err=True)


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


@backup_cli.command("create")
@click.argument("path", type=click.Path(path_type=Path))
def backup_create(path: Path) -> None:
    """Write one archive of the database, media and scans to PATH (a new file, or a folder
    to write a dated archive in). Safe while the shop serves."""
    from shop.backup import BackupRefused, create_backup

    try:
        result = create_backup(path, progress=_step_printer())
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    manifest = result.manifest
    click.echo(
        f"Wrote {result.path} ({_megabytes(result.size)}, owner-only) in "
        f"{result.seconds['total']:.1f} s: {manifest.engine} database at revision "
        f"{manifest.alembic_revision}, {sum(manifest.tables.values())} rows in "
        f"{len(manifest.tables)} tables, {result.files} files."
    )
    if manifest.missing_references:
        click.echo(
            f"WARNING: {len(manifest.missing_references)} files the database refers to were not "
            f"on disk (first: {manifest.missing_references[0]}); the archive lists them.",
            err=True,
        )
        raise SystemExit(1)


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_verify(path: Path) -> None:
    """Check every file of an archive against its manifest, without restoring anything."""
    from shop.backup import BackupRefused, verify_archive

    try:
        manifest = verify_archive(path)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(
        f"{path}: intact. Made {manifest.created_at.get('vietnam', '?')} (Vietnam time) from a "
        f"{manifest.engine} database at revision {manifest.alembic_revision}; "
        f"{sum(manifest.tables.values())} rows in {len(manifest.tables)} tables, "
        f"{len(manifest.files)} files."
    )
    if manifest.missing_references:
        click.echo(
            f"WARNING: made while {len(manifest.missing_references)} files the database refers "
            f"to were missing from disk (first: {manifest.missing_references[0]}).",
            err=True,
        )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an instance that already holds data.")
def backup_restore(path: Path, force: bool) -> None:
    """Restore an archive into this instance (DATABASE_URL, INSTANCE_PATH), migrate it to the
    current schema and rebuild search. Stop the shop first."""
    from shop.backup import BackupRefused, restore_backup

    try:
        result = restore_backup(path, force=force, progress=_step_printer())
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    manifest = result.manifest
    click.echo(
        f"Restored the archive made {manifest.created_at.get('vietnam', '?')} (Vietnam time) in "
        f"{sum(result.seconds.values()):.1f} s: {sum(manifest.tables.values())} rows in "
        f"{len(manifest.tables)} tables (every count as in the manifest), {result.files} files "
        f"(every checksum verified), revision {manifest.alembic_revision} -> {result.revision}, "
        f"{result.indexed} products indexed."
    )
    if result.pending_mail:
        click.echo(
            f"{result.pending_mail} e-mails were waiting in the outbox when the backup was taken; "
            "some may have been delivered since. Check them before running `flask mail send`."
        )
    if result.other_sessions:
        click.echo(
            f"WARNING: {result.other_sessions} other connections to the database were open "
            "during the restore: restart every app server.",
            err=True,
        )
    if result.search_problems:
        click.echo("WARNING: the search index does not match; run `flask search check`.", err=True)
        raise SystemExit(1)


def _step_printer():
    """Print each step of a backup or restore with the seconds since the start."""
    import time

    started = time.perf_counter()

    def step(name: str) -> None:
        click.echo(f"  {time.perf_counter() - started:6.1f} s  {name}")

    return step


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def register(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    groups = (
        demo_cli,
        users_cli,
        catalog_cli,
        mail_cli,
        certificates_cli,
        search_cli,
        orders_cli,
        backup_cli,
    )
    from shop.privacy.cli import privacy_cli

    for group in (*groups, privacy_cli):
        app.cli.add_command(group)
