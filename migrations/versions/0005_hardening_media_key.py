"""index product photos by their content key

/media asks, for every photo it serves, which products show the file (by its key) and
whether one of them is listable: an index on product_images.key keeps that one query cheap.

Revision ID: 0005_hardening_media_key
Revises: 0004_sessions_session_token
Create Date: 2026-12-06 21:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_hardening_media_key"
down_revision = "0004_sessions_session_token"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_images_key"), ["key"], unique=False)


def downgrade():
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_images_key"))
