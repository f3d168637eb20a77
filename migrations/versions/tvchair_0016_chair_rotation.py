"""the chair of a TV or KA (issue 15, DOMAIN.md §4.6): bodies.first_chair_by_ba (the Agentur named the
first chair under the rotation, read by gf_appointment) and bodies.rotation_first_side (the side
whose turn begins on rotation_start; NULL: the law's first side, BA for a TV, BMAS for the KA)

Revision ID: tvchair_0016_chair_rotation
Revises: search_0015_search_filters
"""
import sqlalchemy as sa
from alembic import op

revision = 'tvchair_0016_chair_rotation'
down_revision = 'search_0015_search_filters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bodies") as batch:
        batch.add_column(sa.Column("first_chair_by_ba", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("rotation_first_side", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bodies") as batch:
        batch.drop_column("rotation_first_side")
        batch.drop_column("first_chair_by_ba")
