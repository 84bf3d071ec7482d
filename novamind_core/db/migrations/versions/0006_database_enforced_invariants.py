"""database enforced invariants: at most one active order per patient and drug

Revision ID: 0006
Revises: 0005

A partial unique index on ``medication_orders (patient_id, drug) WHERE stop_date IS NULL``: two clinicians (or
two browser tabs) starting the same drug at the same moment can no longer both store an active order, whatever the
service checked before writing. PostgreSQL and SQLite both support partial indexes.

Orders that already break the rule (left by the race this index closes) are resolved before the index is made: for
each patient and drug the oldest active order stays active and every later duplicate is closed on its own start date.
No clinical text is changed (the stop reason, encrypted at the column type, stays empty), and the count is printed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ACTIVE_ORDER_INDEX = 'uq_medication_orders_active_drug'
ACTIVE = sa.text('stop_date IS NULL')
_LATER_DUPLICATES = (
    "FROM medication_orders WHERE stop_date IS NULL AND EXISTS ("
    "SELECT 1 FROM medication_orders AS older WHERE older.patient_id = medication_orders.patient_id "
    "AND older.drug = medication_orders.drug AND older.stop_date IS NULL AND older.id < medication_orders.id)"
)


def upgrade() -> None:
    bind = op.get_bind()
    duplicates = bind.execute(sa.text(f"SELECT COUNT(*) {_LATER_DUPLICATES}")).scalar_one()
    if duplicates:
        bind.execute(sa.text(f"UPDATE medication_orders SET stop_date = start_date WHERE id IN "
                             f"(SELECT id {_LATER_DUPLICATES})"))
        print(f"0006: closed {duplicates} duplicate active medication order(s) on their start date")
    op.create_index(ACTIVE_ORDER_INDEX, 'medication_orders', ['patient_id', 'drug'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_index(ACTIVE_ORDER_INDEX, table_name='medication_orders')
