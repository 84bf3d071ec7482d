"""The caseload query, id first: one page of patient ids in the chosen order, then only that page's rows fetched and
decrypted, so a page costs the same whether the care team holds 100 patients or 100,000.

* **Ids first.** The ordering statement selects ``patient_summaries.patient_id`` only, ordered by the sort's summary
  column (``patient_summaries`` holds each patient's latest scores, dates and alert counts, kept current by the
  services), with LIMIT/OFFSET; the page's 25 full rows are then loaded by primary key.
* **Late pages from the far end.** A page past the middle is read in the reverse order (every ORDER BY term flipped,
  NULLS FIRST for NULLS LAST) with the small offset from the end and put back the right way round, so the last page
  costs what page 1 costs.
* **Page totals are remembered.** COUNT(*) over a 100,000-patient care team costs more than the page itself, so the
  total of each (clinician, filters) is kept for :data:`TOTAL_TTL_S` seconds in this process (a number, no PHI) and
  forgotten at once on any write in this process to patients, their summaries or care teams (a session listener).
  Searches are always counted (they match a handful of rows through the blind index). A total can lag a write made by
  another process by up to :data:`TOTAL_TTL_S`; the rows shown are always read fresh.
* **Large caseloads keep their order.** Once a (clinician, filters) matches :data:`REMEMBER_ORDER_FROM` patients or
  more, the whole order of patient ids for the chosen sort (ids only, no PHI) is read once, index-free, and kept with
  the total under the same rules, so every later page, first or last, is a slice of it plus 25 rows by primary key.
  Without new sort indexes neither SQLite nor PostgreSQL can walk a care team in a summary column's order (the planner
  starts from the care team and sorts), so this is what keeps paging flat at 100,000. One exception is safety:
  **page 1 of the default priority sort is always read fresh**, so an item-9 alert raised by another process (another
  replica, a patient's questionnaire) reaches the top of every clinician's caseload at once, not after the TTL.
* **Name order.** Names are encrypted (randomised AES-GCM), so SQL cannot order them and no stored sort key could
  without revealing the names' order to whoever reads the database. Sorting by name decrypts the family and given
  names of every match once; only the resulting order of patient ids is kept, as above (for a small caseload, too).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, event, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from novamind_core.db.models import CareTeamRow, PatientRow, PatientSummaryRow
from novamind_core.domain.caseload import CaseloadMatch, CaseloadQuery, PatientSummary

#: Seconds a page total (or a name order) is reused before it is counted again.
TOTAL_TTL_S = 30.0
#: A caseload this large (after filters) has its whole order of patient ids remembered (see the module notes).
REMEMBER_ORDER_FROM = 2_000


class _Remembered:
    """A small thread-safe time-limited memo of page totals and name orders (patient ids only, never PHI)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < TOTAL_TTL_S:
                return hit[1]
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value

    def forget(self) -> None:
        with self._lock:
            self._items.clear()


#: Page totals per (clinician, filters), and whole orders of patient ids per (clinician, filters, sort).
REMEMBERED = _Remembered(max_entries=1024)
ORDERS = _Remembered(max_entries=32)


def forget_caseload_totals() -> None:
    """Drop every remembered total and order."""
    REMEMBERED.forget()
    ORDERS.forget()


_CASELOAD_TABLES = frozenset({PatientRow.__tablename__, PatientSummaryRow.__tablename__, CareTeamRow.__tablename__})
_TOUCHED = "nm_caseload_touched"


def _note_flush(session: Session, _context: Any) -> None:
    """Any ORM write to patients, their summaries or care teams in this process drops the remembered totals (at
    flush, and again at commit, so a count read in between is not kept)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in _CASELOAD_TABLES:
            session.info[_TOUCHED] = True
            forget_caseload_totals()
            return


def _note_statement(state: ORMExecuteState) -> None:
    """The same for bulk INSERT/UPDATE/DELETE statements (imports, seeding, summary refreshes)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _CASELOAD_TABLES:
        state.session.info[_TOUCHED] = True
        forget_caseload_totals()


def _note_commit(session: Session) -> None:
    if session.info.pop(_TOUCHED, False):
        forget_caseload_totals()


event.listen(Session, "after_flush", _note_flush)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "after_commit", _note_commit)


def overdue_clause(today: date, overdue_days: int) -> Any:
    S = PatientSummaryRow
    cutoff = today - timedelta(days=overdue_days)
    return or_(
        and_(S.next_assessment_due.is_not(None), S.next_assessment_due < today),
        and_(S.next_assessment_due.is_(None), func.coalesce(S.last_assessed_on, S.registered_on) < cutoff),
    )


def _conditions(q: CaseloadQuery) -> Any:
    P, S = PatientRow, PatientSummaryRow
    conditions: list[Any] = []
    if q.user_id is not None:
        conditions.append(S.patient_id.in_(select(CareTeamRow.patient_id).where(CareTeamRow.user_id == q.user_id)))
    if q.status:
        conditions.append(P.status == q.status)
    if q.search_indexes:
        ix = list(q.search_indexes)
        conditions.append(or_(P.mrn_bidx.in_(ix), P.given_name_bidx.in_(ix), P.family_name_bidx.in_(ix),
                              P.full_name_bidx.in_(ix)))
    if q.severities:
        conditions.append(S.phq9_severity.in_(list(q.severities)))
    if q.only_alerts:
        conditions.append(S.open_alerts > 0)
    if q.only_overdue:
        conditions.append(overdue_clause(q.today or date.today(), q.overdue_days))
    if q.patient_ids is not None:
        conditions.append(S.patient_id.in_(list(q.patient_ids)))
    return and_(*conditions) if conditions else and_(True)


def _order(q: CaseloadQuery, reverse: bool) -> list[Any]:
    """ORDER BY terms of the sort (NULLS LAST, ties by patient id); ``reverse`` flips every term exactly."""
    P, S = PatientRow, PatientSummaryRow

    def term(col: Any, descending: bool, nulls_last: bool = True) -> Any:
        flipped = descending != reverse
        ordered = col.desc() if flipped else col.asc()
        return ordered.nulls_first() if nulls_last == reverse else ordered.nulls_last()

    if q.sort == "priority":
        return [term(S.open_item9_alerts, True), term(S.open_alerts, True), term(S.phq9_latest, True),
                term(S.patient_id, False)]
    column = {
        "phq9": S.phq9_latest,
        "gad7": S.gad7_latest,
        "last_assessed": S.last_assessed_on,
        "next_due": S.next_assessment_due,
        "registered": P.created_at,
    }[q.sort]
    return [term(column, q.descending), term(S.patient_id, False)]


class CaseloadReader:
    """Runs :class:`~novamind_core.domain.caseload.CaseloadQuery` against the session (see the module notes)."""

    def __init__(self, session: Session):
        self.session = session

    def caseload(self, q: CaseloadQuery) -> tuple[int, list[CaseloadMatch]]:
        """Total matching patients and the patients of one page: the page's rows only are fetched and decrypted."""
        where = _conditions(q)
        key = None if q.search_indexes else (q.user_id, q.status, q.severities, q.only_alerts, q.only_overdue,
                                              q.patient_ids, q.today, q.overdue_days)
        if q.sort == "name":
            order = self._order_of(where, q, key, self._name_order)
            return len(order), self._matches(list(order[q.offset: q.offset + q.limit]))
        total = self._total(where, key)
        fresh_first_page = q.sort == "priority" and q.offset == 0  # a new item-9 alert from any process shows at once
        if key is not None and total >= REMEMBER_ORDER_FROM and not fresh_first_page:
            order = self._order_of(where, q, key, self._sorted_ids)
            return len(order), self._matches(list(order[q.offset: q.offset + q.limit]))
        return total, self._matches(self._page_ids(where, q, total))

    def _order_of(self, where: Any, q: CaseloadQuery, key: Hashable | None,
                  compute: Callable[[Any, CaseloadQuery], tuple[int, ...]]) -> tuple[int, ...]:
        if key is None:
            return compute(where, q)
        return ORDERS.get(("order", q.sort, q.descending, key), lambda: compute(where, q))

    def _sorted_ids(self, where: Any, q: CaseloadQuery) -> tuple[int, ...]:
        P, S = PatientRow, PatientSummaryRow
        stmt = select(S.patient_id).join(P, P.id == S.patient_id).where(where).order_by(*_order(q, False))
        return tuple(self.session.scalars(stmt))

    def _total(self, where: Any, key: Hashable | None) -> int:
        P, S = PatientRow, PatientSummaryRow

        def count() -> int:
            stmt = select(func.count()).select_from(S).join(P, P.id == S.patient_id).where(where)
            return int(self.session.scalar(stmt) or 0)

        return count() if key is None else int(REMEMBERED.get(("total", key), count))

    def _page_ids(self, where: Any, q: CaseloadQuery, total: int) -> list[int]:
        P, S = PatientRow, PatientSummaryRow
        if q.offset >= total:
            return []
        reverse = q.offset + q.limit / 2 > total / 2
        limit = q.limit if not reverse else min(q.limit, total - q.offset)
        offset = q.offset if not reverse else max(0, total - q.offset - q.limit)
        stmt = (select(S.patient_id).join(P, P.id == S.patient_id).where(where)
                .order_by(*_order(q, reverse)).limit(limit).offset(offset))
        ids = list(self.session.scalars(stmt))
        return ids[::-1] if reverse else ids

    def _name_order(self, where: Any, q: CaseloadQuery) -> tuple[int, ...]:
        # Names are encrypted: ordering by name decrypts the family and given names of every match.
        P, S = PatientRow, PatientSummaryRow
        names = self.session.execute(
            select(P.id, P.family_name, P.given_name).join(S, S.patient_id == P.id).where(where)).all()
        names.sort(key=lambda r: (r[1].casefold(), r[2].casefold(), r[0]), reverse=not q.descending)
        return tuple(r[0] for r in names)

    def _matches(self, ids: list[int]) -> list[CaseloadMatch]:
        if not ids:
            return []
        P, S = PatientRow, PatientSummaryRow
        rows = self.session.execute(select(P, S).join(S, S.patient_id == P.id).where(P.id.in_(ids))).all()
        position = {pid: i for i, pid in enumerate(ids)}
        return [match(p, s) for p, s in sorted(rows, key=lambda r: position[r[0].id])]


def match(p: PatientRow, s: PatientSummaryRow) -> CaseloadMatch:
    return CaseloadMatch(patient_id=p.id, mrn=p.mrn, given_name=p.given_name, family_name=p.family_name,
                         date_of_birth=date.fromisoformat(p.date_of_birth), sex_at_birth=p.sex_at_birth,
                         status=p.status, summary=summary_of(s))


def summary_of(s: PatientSummaryRow) -> PatientSummary:
    return PatientSummary(
        patient_id=s.patient_id, registered_on=s.registered_on,
        phq9_latest=s.phq9_latest, phq9_previous=s.phq9_previous, phq9_severity=s.phq9_severity,
        phq9_latest_on=s.phq9_latest_on, gad7_latest=s.gad7_latest, gad7_previous=s.gad7_previous,
        gad7_severity=s.gad7_severity, gad7_latest_on=s.gad7_latest_on, last_assessed_on=s.last_assessed_on,
        next_assessment_due=s.next_assessment_due, next_visit_at=s.next_visit_at,
        open_alerts=s.open_alerts or 0, open_item9_alerts=s.open_item9_alerts or 0,
    )
