"""Observations and QuestionnaireResponses -> :class:`AssessmentEntry` (part of the FHIR Bundle reader).

* **Panel Observation** (PHQ-9 44249-1, GAD-7 69737-5, ISI local): item answers from ``component`` or from the
  item Observations listed in ``hasMember``; values ``valueInteger``, ``valueQuantity`` or a LOINC answer code
  (LA6568-5 = 0 .. LA6571-9 = 3). A stated total must equal the sum of the items. A panel with a total and no item
  answers is a *total-only* assessment.
* **QuestionnaireResponse** against a known Questionnaire (``http://loinc.org/q/44249-1``,
  ``http://loinc.org/q/69737-5``, ``urn:novamind:questionnaire:ISI``; a ``|version`` suffix is ignored; or, failing
  that, items whose ``linkId`` or ``code`` is an instrument's LOINC item code): one answer per item
  (``valueCoding`` with a LOINC answer code, ``valueInteger``, a whole ``valueDecimal``), validated like a panel;
  ``authored`` is the date. One that a panel Observation in the Bundle is ``derivedFrom`` is the same assessment:
  it is checked against the panel and imported once.
* **Total Observation** (PHQ-9 44261-6, GAD-7 70274-6, ISI-total) on its own, which is what most EHR exports hold
  for past questionnaires: a *total-only* assessment ("item answers not available; item 9 unknown"), stored with
  its total and band and no item-9 alert. A total ``derivedFrom`` a QuestionnaireResponse or panel in the Bundle
  (Novamind's own exports) must agree with it and adds nothing; one equal to an itemised assessment of the same
  instrument and day in the Bundle is imported once.

Every problem names the entry (``row``), the FHIR path (``column``) and the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from novamind_core.domain.assessments import Instrument, score_assessment, score_total_only
from novamind_core.domain.errors import ValidationError
from novamind_core.interop.codes import (
    CODE_INDEX,
    INSTRUMENT_CODES,
    LOINC_FREQUENCY_ANSWERS,
    QUESTIONNAIRE_INDEX,
)
from novamind_core.interop.fhir_common import codings, fhir_day, short
from novamind_core.interop.records import AssessmentEntry

Entries = list[tuple[int, Mapping[str, Any]]]


class AssessmentReader:
    """Mixin of the Bundle reader (uses its ``problems``, ``note``, ``check_subject``, ``by_ref``, ``consumed``,
    ``today`` and ``tz``)."""

    problems: Any
    by_ref: dict
    consumed: set
    today: date
    tz: Any

    def note(self, message: str, row: int | None = None, column: str | None = None,
             value: Any = None) -> None: ...  # pragma: no cover (the reader defines it)

    def check_subject(self, n: int, resource: Mapping[str, Any], key: str = "subject") -> bool: ...  # pragma: no cover

    # ------------------------------------------------------------------ shared
    @staticmethod
    def _instrument_code(concept: Mapping[str, Any] | None) -> tuple[Instrument, str, int | None] | None:
        for system, code, _ in codings(concept):
            hit = CODE_INDEX.get((system, code))
            if hit:
                return hit
        return None

    def _score_value(self, holder: Mapping[str, Any], n: int, column: str) -> int | None:
        if holder.get("valueInteger") is not None:
            return self._integer(holder["valueInteger"], n, f"{column}Integer")
        for key in ("valueQuantity", "valueDecimal"):
            if key in holder:
                v = holder[key].get("value") if key == "valueQuantity" and isinstance(holder[key], Mapping) \
                    else holder[key]
                if _is_number(v) and _finite(v) and float(v) == int(float(v)):
                    return int(float(v))
                self.problems.add("score must be a whole number", row=n, column=column, value=short(v))
                return None
        concept = holder.get("valueCodeableConcept") or (
            {"coding": [holder["valueCoding"]]} if holder.get("valueCoding") else None)
        if concept is not None:
            for _system, code, _ in codings(concept):
                if code in LOINC_FREQUENCY_ANSWERS:
                    return LOINC_FREQUENCY_ANSWERS[code]
            self.problems.add("answer code is not a known LOINC answer (LA6568-5 .. LA6571-9)", row=n, column=column,
                              value=short(concept))
            return None
        return None

    def _integer(self, value: Any, n: int, column: str) -> int | None:
        """A FHIR ``integer``: a JSON whole number. ``true``/``false`` are booleans, not 1 and 0, and are refused."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.problems.add("valueInteger must be a whole number (true/false, text and decimals are not)", row=n,
                          column=column, value=short(value))
        return None

    def _effective(self, n: int, r: Mapping[str, Any], what: str, key: str = "effectiveDateTime") -> date | None:
        where = f"entry[{n}].resource"
        raw = r.get(key) or (r.get("effectivePeriod") or {}).get("start") or r.get("issued")
        day = fhir_day(raw, self.tz)
        if day is None:
            self.problems.add(f"{what} needs a full date ({key} YYYY-MM-DD)", row=n, column=f"{where}.{key}",
                              value=raw)
            return None
        if day > self.today:
            self.problems.add(f"date {day.isoformat()} is in the future", row=n, column=f"{where}.{key}", value=raw)
            return None
        return day

    def _refs(self, r: Mapping[str, Any], key: str) -> list[int]:
        """Entry numbers (in this Bundle) of the references in ``r[key]`` (a list of References)."""
        return [self.by_ref[ref][0] for x in r.get(key, []) or [] if (ref := (x or {}).get("reference"))
                and ref in self.by_ref]

    def _itemised(self, n: int, where: str, instrument: Instrument, answers: dict[int, int],
                  stated_total: int | None, on: date | None) -> AssessmentEntry | None:
        """Check item answers (all present, in range, total agrees) and build the entry."""
        codes = INSTRUMENT_CODES[instrument]
        missing = [i for i in range(instrument.item_count) if i not in answers]
        if missing:
            self.problems.add(f"{instrument.value} has {len(answers)} of {instrument.item_count} item answers; "
                              f"missing item(s) {', '.join(str(i + 1) for i in missing)} "
                              f"(codes {', '.join(codes.items[i] for i in missing)})", row=n, column=where)
            return None
        try:
            score = score_assessment(instrument, [answers[i] for i in range(instrument.item_count)])
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=where, value=exc.value)
            return None
        if stated_total is not None and stated_total != score.total:
            self.problems.add(f"{instrument.value} total {stated_total} does not equal the sum of the item answers "
                              f"({score.total})", row=n, column=where, value=stated_total)
            return None
        return AssessmentEntry(instrument, on, score.answers, row=n) if on is not None else None

    def _total_only(self, n: int, column: str, instrument: Instrument, total: int, on: date | None
                    ) -> AssessmentEntry | None:
        try:
            score_total_only(instrument, total)
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=column, value=total)
            return None
        return AssessmentEntry(instrument, on, (), row=n, stated_total=total) if on is not None else None

    # ------------------------------------------------------------------ observations
    def observations(self, entries: Entries) -> list[AssessmentEntry]:
        """Panels now; stand-alone totals are kept in ``self.loose_totals`` for :meth:`totals` (after the
        QuestionnaireResponses are read)."""
        out: list[AssessmentEntry] = []
        self.loose_totals: list[tuple[int, Mapping[str, Any], Instrument]] = []
        self.read: dict[int, AssessmentEntry | None] = {}
        self.derived: dict[int, int] = {}  # QuestionnaireResponse entry -> the panel derived from it
        obs = [(n, r) for n, r in entries if r["resourceType"] == "Observation"]
        panels = [(n, r, hit) for n, r in obs if (hit := self._instrument_code(r.get("code"))) and hit[1] == "panel"]
        for n, r, hit in panels:
            self.consumed.add(n)
            entry = self._panel(n, r, hit[0])
            self.read[n] = entry
            if entry is not None:
                out.append(entry)
        for n, r in obs:
            if n in self.consumed:
                continue
            hit = self._instrument_code(r.get("code"))
            display = next((d or c for _, c, d in codings(r.get("code"))), (r.get("code") or {}).get("text", ""))
            where = f"entry[{n}].resource.code"
            if hit is None:
                self.note(f"Observation '{display}' is not imported (Novamind imports PHQ-9, GAD-7 and ISI)",
                          row=n, column=where, value=display)
            elif hit[1] == "total":
                self.loose_totals.append((n, r, hit[0]))
            else:
                self.note(f"{hit[0].value} item answer outside a panel is not imported", row=n, column=where)
        return out

    def _panel(self, n: int, r: Mapping[str, Any], instrument: Instrument) -> AssessmentEntry | None:
        where = f"entry[{n}].resource"
        status = r.get("status")
        if status in ("entered-in-error", "cancelled"):
            self.note(f"{instrument.value} panel with status '{status}' is not imported", row=n,
                      column=f"{where}.status", value=status)
            return None
        if not self.check_subject(n, r):
            return None
        codes = INSTRUMENT_CODES[instrument]
        answers: dict[int, int] = {}
        stated_total: int | None = None
        total_column = f"{where}.valueInteger"
        parts: list[tuple[Mapping[str, Any], str]] = [
            (c, f"{where}.component[{i}]") for i, c in enumerate(r.get("component", []) or [])]
        for j, member in enumerate(r.get("hasMember", []) or []):
            ref = member.get("reference")
            target = self.by_ref.get(ref or "")
            if target is None:
                self.problems.add("hasMember refers to an Observation that is not in the Bundle", row=n,
                                  column=f"{where}.hasMember[{j}]", value=ref)
                continue
            self.consumed.add(target[0])
            parts.append((target[1], f"entry[{target[0]}].resource"))
        for holder, column in parts:
            hit = self._instrument_code(holder.get("code"))
            if hit is None or hit[0] is not instrument:
                self.note(f"{instrument.value} panel part is not a {instrument.value} item or total", row=n,
                          column=f"{column}.code", value=short(holder.get("code")))
                continue
            value = self._score_value(holder, n, f"{column}.value")
            if value is None:
                if not any(k.startswith("value") for k in holder):
                    self.problems.add("item has no value", row=n, column=f"{column}.value")
                continue
            if hit[1] == "total":
                stated_total, total_column = value, f"{column}.value"
            elif hit[1] == "item":
                assert hit[2] is not None
                if hit[2] in answers:
                    self.problems.add(f"item {hit[2] + 1} is answered twice", row=n, column=f"{column}.code",
                                      value=codes.items[hit[2]])
                answers[hit[2]] = value
        if stated_total is None and r.get("valueInteger") is not None:
            stated_total = self._integer(r["valueInteger"], n, f"{where}.valueInteger")
            if stated_total is None:
                return None
        if not answers:
            if stated_total is None:
                self.problems.add(f"{instrument.value} panel has neither item answers nor a total", row=n,
                                  column=f"{where}.component")
                return None
            return self._total_only(n, total_column, instrument, stated_total,
                                    self._effective(n, r, instrument.value))
        for qr in self._refs(r, "derivedFrom"):
            self.derived[qr] = n
        on = self._effective(n, r, instrument.value)
        return self._itemised(n, f"{where}.component", instrument, answers, stated_total, on)

    # ------------------------------------------------------------------ questionnaire responses
    def _questionnaire_instrument(self, r: Mapping[str, Any]) -> Instrument | None:
        canonical = str(r.get("questionnaire") or "").split("|", 1)[0]
        if canonical in QUESTIONNAIRE_INDEX:
            return QUESTIONNAIRE_INDEX[canonical]
        for item in r.get("item", []) or []:
            for code in [str(item.get("linkId", "")).lstrip("/")] + [c.get("code", "") for c in item.get("code", [])
                                                                      or []]:
                for (_system, known), (instrument, _, _) in CODE_INDEX.items():
                    if code == known:
                        return instrument
        return None

    def questionnaire_responses(self, entries: Entries) -> list[AssessmentEntry]:
        out: list[AssessmentEntry] = []
        panel_of = self.derived
        for n, r in entries:
            if r["resourceType"] != "QuestionnaireResponse":
                continue
            entry = self._response(n, r)
            self.read[n] = entry
            if entry is None:
                continue
            if n in panel_of:
                panel = self.read[panel_of[n]]
                if panel is not None and panel.answers != entry.answers:
                    self.problems.add(f"the answers differ from those of the {entry.instrument.value} panel in "
                                      f"entry {panel_of[n]}, which is derived from this response", row=n,
                                      column=f"entry[{n}].resource.item", value=short(list(entry.answers)))
                continue  # the panel derived from it is the same assessment
            out.append(entry)
        return out

    def _response(self, n: int, r: Mapping[str, Any]) -> AssessmentEntry | None:
        where = f"entry[{n}].resource"
        status = r.get("status")
        if status != "completed" and status != "amended":
            self.note(f"QuestionnaireResponse with status '{status}' is not imported (only completed answers are)",
                      row=n, column=f"{where}.status", value=status)
            return None
        instrument = self._questionnaire_instrument(r)
        if instrument is None:
            self.note("QuestionnaireResponse is not for a questionnaire Novamind records (PHQ-9, GAD-7, ISI)", row=n,
                      column=f"{where}.questionnaire", value=r.get("questionnaire"))
            return None
        if not self.check_subject(n, r):
            return None
        codes = INSTRUMENT_CODES[instrument]
        answers: dict[int, int] = {}
        stated_total: int | None = None
        for i, item in enumerate(r.get("item", []) or []):
            column = f"{where}.item[{i}]"
            link = str(item.get("linkId", "")).lstrip("/")
            codes_here = [link] + [c.get("code", "") for c in item.get("code", []) or []]
            hit = next((CODE_INDEX[(codes.system, c)] for c in codes_here if (codes.system, c) in CODE_INDEX), None)
            if hit is None:
                self.note(f"item '{link}' is not a {instrument.value} question; not imported", row=n,
                          column=f"{column}.linkId", value=link)
                continue
            given = item.get("answer", []) or []
            if len(given) != 1:
                self.problems.add(f"{instrument.value} item needs exactly one answer; got {len(given)}", row=n,
                                  column=f"{column}.answer", value=link)
                continue
            value = self._score_value(given[0], n, f"{column}.answer[0]")
            if value is None:
                if not any(k.startswith("value") for k in given[0]):
                    self.problems.add("answer has no value", row=n, column=f"{column}.answer[0]")
                continue
            if hit[1] == "total":
                stated_total = value
            elif hit[1] == "item":
                assert hit[2] is not None
                if hit[2] in answers:
                    self.problems.add(f"item {hit[2] + 1} is answered twice", row=n, column=f"{column}.linkId",
                                      value=link)
                answers[hit[2]] = value
        on = self._effective(n, r, f"{instrument.value} QuestionnaireResponse", key="authored")
        return self._itemised(n, f"{where}.item", instrument, answers, stated_total, on)

    # ------------------------------------------------------------------ totals
    def totals(self, itemised: list[AssessmentEntry]) -> list[AssessmentEntry]:
        """Stand-alone total Observations (after panels and responses are read): total-only assessments."""
        out: list[AssessmentEntry] = []
        same_day = {(a.instrument, a.administered_on, a.total): a.row for a in itemised}
        for n, r, instrument in self.loose_totals:
            where = f"entry[{n}].resource"
            status = r.get("status")
            if status in ("entered-in-error", "cancelled"):
                self.note(f"{instrument.value} total with status '{status}' is not imported", row=n,
                          column=f"{where}.status", value=status)
                continue
            if not self.check_subject(n, r):
                continue
            column = f"{where}.value"
            value = self._score_value(r, n, column)
            if value is None:
                if not any(k.startswith("value") for k in r):
                    self.problems.add(f"{instrument.value} total has no value", row=n, column=column)
                continue
            sources = self._refs(r, "derivedFrom")
            if sources:
                source = self.read.get(sources[0])
                if source is not None and source.total != value:
                    self.problems.add(f"{instrument.value} total {value} does not equal the total of the "
                                      f"assessment in entry {sources[0]} it is derived from ({source.total})", row=n,
                                      column=column, value=value)
                continue  # the same assessment as its source
            entry = self._total_only(n, column, instrument, value, self._effective(n, r, f"{instrument.value} total"))
            if entry is None:
                continue
            twin = same_day.get((instrument, entry.administered_on, value))
            if twin is not None:
                self.note(f"{instrument.value} total on {entry.administered_on.isoformat()} is the total of the "
                          f"assessment in entry {twin}; imported once", row=n, column=column, value=value)
                continue
            out.append(entry)
        return out


def _is_number(value: Any) -> bool:
    """A JSON number (not a boolean, not text)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float
        return False
