"""registration drafts: a form draft not yet attached to a patient (the register-a-patient form)

A draft's patient may be empty: the patient does not exist until the form is saved. One such draft per user and
form, enforced by a partial unique index (the (user, patient, form) constraint treats empty patients as distinct).

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

UNATTACHED_INDEX = 'uq_form_drafts_unattached'
UNATTACHED = sa.text('patient_id IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=True)
    op.create_index(UNATTACHED_INDEX, 'form_drafts', ['user_id', 'form'], unique=True,
                    sqlite_where=UNATTACHED, postgresql_where=UNATTACHED)


def downgrade() -> None:
    op.drop_index(UNATTACHED_INDEX, table_name='form_drafts')
    op.execute("DELETE FROM form_drafts WHERE patient_id IS NULL")
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=False)
