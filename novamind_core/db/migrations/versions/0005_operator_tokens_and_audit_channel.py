"""operator tokens and audit channel: personal API tokens for the command line; the channel of every audit row

Revision ID: 0005
Revises: 0004

``audit_log.channel`` is added with an empty default, so rows written before it keep their stored hash (their
canonical JSON has no channel: see novamind_core.security.audit). SQLite and PostgreSQL both add a column with a
constant default in place, so the append-only triggers on audit_log stay as they are (no table rebuild).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('channel', sa.String(length=8), nullable=False, server_default=''))
    op.create_table('operator_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('scopes', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_operator_tokens_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_operator_tokens_token_hash'))
    )
    with op.batch_alter_table('operator_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_tokens_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('operator_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_tokens_user_id'))
    op.drop_table('operator_tokens')
    # DROP COLUMN in place (PostgreSQL; SQLite 3.35+): a batch rebuild would lose audit_log's append-only triggers
    op.execute('ALTER TABLE audit_log DROP COLUMN channel')
