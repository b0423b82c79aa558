"""the audit log's words, folded, for its word filter

`audit_entries.search_text` is the entry's summary and reason in lower case without
diacritics ("Nước mắm" → "nuoc mam"), written with the entry, so staff can filter the log by
words however they type them (shop/staff/views.py). Existing entries are filled in here.

Revision ID: 0012_audit_search_text
Revises: 0011_phone_cancel_reason
Create Date: 2026-12-07 01:50:00

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_audit_search_text"
down_revision = "0011_phone_cancel_reason"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:  # as shop.text.fold on the day this was written
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    entries = sa.table(
        "audit_entries",
        sa.column("id", sa.Integer),
        sa.column("summary", sa.String),
        sa.column("reason", sa.Text),
        sa.column("search_text", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(entries.c.id, entries.c.summary, entries.c.reason))
    for row in rows.fetchall():
        words = _fold(f"{row.summary or ''} {row.reason or ''}".strip())
        connection.execute(
            entries.update().where(entries.c.id == row.id).values(search_text=words)
        )


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("search_text")
