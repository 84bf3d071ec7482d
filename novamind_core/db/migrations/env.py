"""Alembic environment: the URL comes from the Alembic config when set (tests, ``migrate``), else from Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from novamind_core.db import types as nm_types
from novamind_core.db.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from novamind_core.config import get_settings

    return get_settings().database_url


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our TypeDecorators as their storage types, so migrations do not import application code."""
    if type_ == "type":
        if isinstance(obj, nm_types.EncryptedText | nm_types.EncryptedJSON):
            return "sa.Text()"
        if isinstance(obj, nm_types.EncryptedBytes):
            return "sa.LargeBinary()"
        if isinstance(obj, nm_types.UTCDateTime):
            return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        section = config.get_section(config.config_ini_section) or {}
        section["sqlalchemy.url"] = _url()
        engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
