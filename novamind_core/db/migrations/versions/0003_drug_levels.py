"""drug levels: measured concentrations for therapeutic drug monitoring (Bayesian forecasting)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('drug_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=64), nullable=False),
    sa.Column('concentration_ng_ml', sa.Float(), nullable=False),
    sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_drug_levels_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_levels'))
    )
    with op.batch_alter_table('drug_levels', schema=None) as batch_op:
        batch_op.create_index('ix_drug_levels_patient_sampled', ['patient_id', 'sampled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drug_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_drug_levels_patient_sampled')
    op.drop_table('drug_levels')
