"""a session token per account (Flask-Login's alternative id)

`users.session_token` is what the session and remember-me cookies hold instead of the
account's id; changing or resetting the password, or "log out on all devices", replaces it,
which ends every other log-in at its next request. Existing accounts get a random token
each; sessions opened before this upgrade held the numeric id, which no token matches, so
everyone logs in once more.

Revision ID: 0004_sessions_session_token
Revises: 0003_search_suggestions
Create Date: 2026-12-06 20:50:13

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_sessions_session_token"
down_revision = "0003_search_suggestions"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_session_token"), ["session_token"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_session_token"), type_="unique")
        batch_op.drop_column("session_token")
