"""risk reviews and safety plans (a structured review closes an item-9 alert); unscored extra answers of an assessment
(PHQ-9 item 10, MDQ questions 2-3) beside the scored item answers

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_answers', sa.String(length=40), nullable=True))
    op.create_table('risk_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('cssrs_level', sa.String(length=12), nullable=False),
    sa.Column('risk_level', sa.String(length=12), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_risk_reviews_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_risk_reviews_alert_id_alerts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_reviews'))
    )
    with op.batch_alter_table('risk_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_risk_reviews_patient_reviewed', ['patient_id', 'reviewed_at'], unique=False)
    op.create_table('safety_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_safety_plans_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['risk_reviews.id'], name=op.f('fk_safety_plans_review_id_risk_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plans'))
    )
    with op.batch_alter_table('safety_plans', schema=None) as batch_op:
        batch_op.create_index('ix_safety_plans_patient_created', ['patient_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('safety_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_plans_patient_created')
    op.drop_table('safety_plans')
    with op.batch_alter_table('risk_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_reviews_patient_reviewed')
    op.drop_table('risk_reviews')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('extra_answers')
