"""case_readers (issue 15, supervision): a group of a party organisation that may read a case from now
on, also after it ended -- the KA's office informed of a supervisory measure (§ 47 Abs. 3 Satz 4 SGB II)

Revision ID: followup_0018_case_readers
Revises: camundaa_0017_candidate_users
"""
import sqlalchemy as sa
from alembic import op

revision = 'followup_0018_case_readers'
down_revision = 'camundaa_0017_candidate_users'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_readers",
        sa.Column("instance_id", sa.String(36), sa.ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id"), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), primary_key=True),
    )
    op.create_index("ix_case_readers_group_org", "case_readers", ["group_id", "organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_case_readers_group_org", table_name="case_readers")
    op.drop_table("case_readers")
