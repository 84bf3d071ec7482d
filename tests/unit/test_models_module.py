"""The database models are split by theme but stay one schema: every table class is importable from
``novamind_core.db.models``, and every table is on the one ``Base.metadata`` that Alembic compares."""

from __future__ import annotations

import importlib
import pkgutil

import novamind_core.db as db_package
from novamind_core.db import models


def test_every_mapped_table_class_is_importable_from_the_models_module():
    mapped = {mapper.class_ for mapper in models.Base.registry.mappers}
    assert len(mapped) >= 39
    assert {cls.__name__ for cls in mapped} <= set(models.__all__)
    assert all(getattr(models, cls.__name__) is cls for cls in mapped)


def test_every_themed_model_module_maps_onto_the_one_base_and_metadata():
    themed = [name for _, name, _ in pkgutil.iter_modules(db_package.__path__) if name.startswith("models_")]
    assert {"models_auth", "models_base", "models_patients", "models_risk"} <= set(themed)
    for name in themed:
        module = importlib.import_module(f"novamind_core.db.{name}")
        tables = [v for v in vars(module).values() if isinstance(v, type) and hasattr(v, "__tablename__")]
        assert all(t.metadata is models.Base.metadata for t in tables), name
        assert all(t.__table__.name in models.Base.metadata.tables for t in tables), name
