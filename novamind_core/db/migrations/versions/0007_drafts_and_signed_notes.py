"""drafts and signed notes: form drafts (encrypted, expiring), one-time submission tokens, opaque patient links,
note signatures and co-signatures, addenda, trainees

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_form_drafts_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_drafts')),
    sa.UniqueConstraint('user_id', 'patient_id', 'form', name=op.f('uq_form_drafts_user_id_patient_id_form'))
    )
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_form_drafts_expires_at', ['expires_at'], unique=False)

    op.create_table('form_submissions',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submissions'))
    )
    op.create_table('patient_links',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_links_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_patient_links')),
    sa.UniqueConstraint('token', name=op.f('uq_patient_links_token'))
    )
    op.create_table('note_signatures',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('signed_by', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cosign_required', sa.Boolean(), nullable=False),
    sa.Column('cosigned_by', sa.Integer(), nullable=True),
    sa.Column('cosigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_signatures_note_id_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', name=op.f('pk_note_signatures'))
    )
    op.create_table('note_addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_addenda_note_id_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_addenda'))
    )
    with op.batch_alter_table('note_addenda', schema=None) as batch_op:
        batch_op.create_index('ix_note_addenda_note_id', ['note_id'], unique=False)
    op.create_table('trainees',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trainees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_trainees'))
    )


def downgrade() -> None:
    op.drop_table('trainees')
    with op.batch_alter_table('note_addenda', schema=None) as batch_op:
        batch_op.drop_index('ix_note_addenda_note_id')
    op.drop_table('note_addenda')
    op.drop_table('note_signatures')
    op.drop_table('patient_links')
    op.drop_table('form_submissions')
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_form_drafts_expires_at')
    op.drop_table('form_drafts')
