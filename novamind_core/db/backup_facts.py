"""What a database copy holds, read the same way at backup and at restore: the schema revision, every table's row
count and the audit chain head. A SQLite copy is opened read-only; a ``pg_dump`` plain-SQL file is parsed (its
``COPY ... FROM stdin;`` blocks hold one line per row, ended by ``\\.``)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_COPY = re.compile(r'^COPY (?:"?[\w$]+"?\.)?"?([\w$]+)"? \(([^)]*)\) FROM stdin;$')


@dataclass(frozen=True)
class DatabaseFacts:
    """``counts``: rows per table; ``audit_head``: ``{"last_id", "last_hash"}`` (None without a head row)."""

    revision: str | None
    counts: dict[str, int]
    audit_head: dict[str, Any] | None = None
    audit_hashes: dict[int, str] = field(default_factory=dict, repr=False)

    def as_manifest(self) -> dict[str, Any]:
        return {"schema_revision": self.revision, "table_counts": dict(sorted(self.counts.items())),
                "audit_head": self.audit_head}


def sqlite_facts(path: Path, *, with_audit_hashes: bool = False) -> DatabaseFacts:
    """Facts of a SQLite file, opened read-only (raises ``sqlite3.DatabaseError`` for a file that is not one)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                             "'sqlite_%' ORDER BY name")]
        counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        head = None
        if "audit_head" in tables:
            row = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
            head = {"last_id": row[0], "last_hash": row[1]} if row else None
        hashes = ({int(i): h for i, h in conn.execute("SELECT id, hash FROM audit_log")}
                  if with_audit_hashes and "audit_log" in tables else {})
    finally:
        conn.close()
    return DatabaseFacts(revision, counts, head, hashes)


def pg_dump_facts(path: Path) -> DatabaseFacts:
    """Facts of a plain-SQL ``pg_dump`` file, from its COPY blocks."""
    counts: dict[str, int] = {}
    revision, head = None, None
    table, columns = None, []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            text = line.rstrip("\n")
            if table is None:
                match = _COPY.match(text)
                if match:
                    table = match.group(1)
                    columns = [c.strip().strip('"') for c in match.group(2).split(",")]
                    counts[table] = 0
                continue
            if text == "\\.":
                table = None
                continue
            counts[table] += 1
            values = dict(zip(columns, text.split("\t"), strict=False))
            if table == "alembic_version":
                revision = values.get("version_num")
            elif table == "audit_head" and values.get("id") == "1":
                last_id = values.get("last_id")
                head = {"last_id": None if last_id in (None, "\\N") else int(last_id),
                        "last_hash": values.get("last_hash")}
    return DatabaseFacts(revision, counts, head)


def payload_facts(backend: str, path: Path) -> DatabaseFacts:
    return sqlite_facts(path) if backend == "sqlite" else pg_dump_facts(path)


def differences(manifest: dict[str, Any], facts: DatabaseFacts) -> list[str]:
    """How ``facts`` differ from what ``manifest`` promises (empty when they agree)."""
    found = []
    if manifest.get("schema_revision") != facts.revision:
        found.append(f"schema revision {facts.revision} (manifest: {manifest.get('schema_revision')})")
    promised = manifest.get("table_counts") or {}
    for name in sorted(set(promised) | set(facts.counts)):
        if promised.get(name) != facts.counts.get(name):
            found.append(f"{name}: {facts.counts.get(name)} rows (manifest: {promised.get(name)})")
    if json.dumps(manifest.get("audit_head"), sort_keys=True) != json.dumps(facts.audit_head, sort_keys=True):
        found.append("the audit chain head differs from the manifest")
    return found
