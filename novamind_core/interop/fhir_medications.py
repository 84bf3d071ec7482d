"""MedicationStatement / MedicationRequest -> :class:`MedicationEntry` (part of the FHIR Bundle reader).

The drug comes from an RxNorm ingredient code (:data:`novamind_core.interop.codes.RXNORM_TO_DRUG`) or, failing
that, a catalogue drug name as a word of the text or display; the dose in mg from ``doseAndRate.doseQuantity``
(``g`` x 1000, ``mcg`` / 1000: :data:`MG_PER_UNIT`; a dose with no unit, or a count such as "1 tablet", is a problem,
never read as mg); the frequency from ``timing.repeat`` (doses per day =
``frequency / period`` in days; ``when`` HS or NIGHT at once a day = nightly; ``asNeededBoolean`` = as needed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import Frequency, validate_dose_mg
from novamind_core.interop.codes import RXNORM, RXNORM_TO_DRUG
from novamind_core.interop.fhir_common import codings, fhir_day, short
from novamind_core.interop.records import MedicationEntry

#: mg per unit for dose quantities (UCUM codes and common spellings).
MG_PER_UNIT = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001, "microgram": 0.001,
               "milligram": 1.0, "gram": 1000.0}


class MedicationReader:
    """Mixin of the Bundle reader (uses its ``problems``, ``note``, ``check_subject``, ``by_ref``, ``consumed``,
    ``today``, ``tz`` and ``drug_names``)."""

    problems: Any
    by_ref: dict
    consumed: set
    drug_names: tuple[str, ...]

    def _drug(self, concept: Mapping[str, Any] | None) -> tuple[str | None, str]:
        """(catalogue drug or None, the name as written)."""
        written = ""
        for system, code, display in codings(concept):
            written = written or display or code
            if system == RXNORM and code in RXNORM_TO_DRUG:
                return RXNORM_TO_DRUG[code], display or code
        texts = [(concept or {}).get("text") or ""] + [d for _, _, d in codings(concept)]
        for text in texts:
            words = set(re.findall(r"[a-z]+", text.lower()))
            for name in self.drug_names:
                if name in words:
                    return name, text
        return None, (concept or {}).get("text") or written

    def medications(self, entries: list[tuple[int, Mapping[str, Any]]]) -> list[MedicationEntry]:
        out: list[MedicationEntry] = []
        for n, r in entries:
            rtype = r["resourceType"]
            if rtype not in ("MedicationStatement", "MedicationRequest"):
                continue
            entry = self._medication(n, r, rtype)
            if entry is not None:
                out.append(entry)
        return out

    def _medication(self, n: int, r: Mapping[str, Any], rtype: str) -> MedicationEntry | None:
        where = f"entry[{n}].resource"
        status = r.get("status")
        if status in ("entered-in-error", "not-taken", "cancelled", "draft"):
            self.note(f"{rtype} with status '{status}' is not imported", row=n, column=f"{where}.status", value=status)
            return None
        if not self.check_subject(n, r):
            return None
        if rtype == "MedicationStatement" and any(
                self.by_ref.get((b or {}).get("reference", ""), (0, {}))[1].get("resourceType") == "MedicationRequest"
                for b in r.get("basedOn", []) or []):
            return None  # the patient taking an order that is in this Bundle: the MedicationRequest is the record
        concept = r.get("medicationCodeableConcept")
        if concept is None and r.get("medicationReference"):
            ref = r["medicationReference"].get("reference", "")
            target = self.by_ref.get(ref)
            if target is None:
                self.problems.add("medicationReference points to a Medication that is not in the Bundle", row=n,
                                  column=f"{where}.medicationReference", value=ref)
                return None
            self.consumed.add(target[0])
            concept = target[1].get("code")
        drug, written = self._drug(concept)
        if drug is None:
            self.note(f"'{written}' is not a drug in the Novamind catalogue and is not imported", row=n,
                      column=f"{where}.medicationCodeableConcept", value=written)
            return None
        dosages = r.get("dosage") if rtype == "MedicationStatement" else r.get("dosageInstruction")
        dosage = (dosages or [{}])[0]
        dose_col = f"{where}.{'dosage' if rtype == 'MedicationStatement' else 'dosageInstruction'}[0]"
        dose_mg = self._dose_mg(dosage, n, dose_col)
        frequency = self._frequency(dosage, n, dose_col)
        if rtype == "MedicationStatement":
            period = r.get("effectivePeriod") or {}
            start_raw = period.get("start") or r.get("effectiveDateTime")
            end_raw = period.get("end")
            start_col = f"{where}.effectivePeriod.start"
            end_col = f"{where}.effectivePeriod.end"
        else:
            bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")
            period = bounds or (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
            start_raw = period.get("start") or r.get("authoredOn")
            end_raw = period.get("end")
            start_col = f"{where}.dosageInstruction[0].timing.repeat.boundsPeriod.start" if bounds and \
                bounds.get("start") else f"{where}.authoredOn"
            end_col = f"{where}.dosageInstruction[0].timing.repeat.boundsPeriod.end" if bounds else \
                f"{where}.dispenseRequest.validityPeriod.end"
        start = fhir_day(start_raw, self.tz)
        stop = fhir_day(end_raw, self.tz)
        ok = True
        if start is None:
            self.problems.add(f"{rtype} needs a start date", row=n, column=start_col, value=start_raw)
            ok = False
        elif start > self.today:
            self.problems.add(f"start date {start.isoformat()} is in the future", row=n, column=start_col,
                              value=start_raw)
            ok = False
        if end_raw and stop is None:
            self.problems.add("end date is not a full date", row=n, column=end_col,
                              value=end_raw)
            ok = False
        if start and stop and stop < start:
            self.problems.add(f"end date {stop.isoformat()} is before the start date {start.isoformat()}", row=n,
                              column=end_col, value=end_raw)
            ok = False
        if stop and stop > self.today:
            stop = None  # a planned end in the future: the order is active today
        if stop is None and status in ("completed", "stopped"):
            self.problems.add(f"status '{status}' needs an end date", row=n,
                              column=end_col)
            ok = False
        if not ok or dose_mg is None or frequency is None:
            return None
        reason = next((c.get("text") for c in r.get("reasonCode", []) or [] if c.get("text")), None)
        status_reason = r.get("statusReason")
        if isinstance(status_reason, list):
            status_reason = status_reason[0] if status_reason else None
        stop_reason = (status_reason or {}).get("text") if stop else None
        assert start is not None
        return MedicationEntry(drug, dose_mg, frequency, start, stop, reason, stop_reason, row=n)

    def _dose_mg(self, dosage: Mapping[str, Any], n: int, column: str) -> float | None:
        rates = dosage.get("doseAndRate") or []
        quantity = (rates[0] if rates else {}).get("doseQuantity")
        if not quantity or quantity.get("value") is None:
            self.problems.add("dose is missing: Novamind needs the dose in mg (doseAndRate.doseQuantity)", row=n,
                              column=f"{column}.doseAndRate")
            return None
        raw_unit = quantity.get("code") or quantity.get("unit")
        if raw_unit is None or not str(raw_unit).strip():
            # never guess a unit: Synthea writes "1" (one tablet) with no unit, and reading it as 1 mg would drive
            # the PK with a dose a tablet's strength times too small
            self.problems.add("dose has no unit: Novamind needs the dose in mg (doseQuantity.unit mg, g or mcg); a "
                              "count of tablets or a bare number does not say the strength, so it is not imported",
                              row=n, column=f"{column}.doseAndRate[0].doseQuantity.unit", value=quantity.get("value"))
            return None
        unit = str(raw_unit).strip().lower()
        factor = MG_PER_UNIT.get(unit) or MG_PER_UNIT.get(unit.rstrip("s"))
        if factor is None:
            self.problems.add("dose unit must be a mass (mg, g or mcg)", row=n,
                              column=f"{column}.doseAndRate[0].doseQuantity.unit", value=quantity.get("unit"))
            return None
        try:
            value = quantity["value"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError("dose must be a number (in mg)", field="dose_mg", value=value)
            return validate_dose_mg(float(value) * factor)
        except OverflowError:
            self.problems.add("dose is not a finite number", row=n,
                              column=f"{column}.doseAndRate[0].doseQuantity.value", value=short(quantity["value"]))
            return None
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=f"{column}.doseAndRate[0].doseQuantity.value",
                              value=quantity["value"])
            return None

    def _frequency(self, dosage: Mapping[str, Any], n: int, column: str) -> Frequency | None:
        if dosage.get("asNeededBoolean"):
            return Frequency.AS_NEEDED
        repeat = (dosage.get("timing") or {}).get("repeat") or {}
        if not repeat:
            return Frequency.DAILY
        # JSON null counts as absent (fhir.resources accepts it); a zero or non-numeric period is a problem
        freq = 1 if repeat.get("frequency") is None else repeat.get("frequency")
        period = 1 if repeat.get("period") is None else repeat.get("period")
        if isinstance(freq, bool) or not isinstance(freq, int | float) or isinstance(period, bool) \
                or not isinstance(period, int | float) or freq <= 0 or period <= 0:
            self.problems.add("timing.repeat needs a positive frequency and period", row=n,
                              column=f"{column}.timing.repeat", value=short(repeat))
            return None
        unit = repeat.get("periodUnit") or "d"
        per_day = freq / period * {"h": 24.0, "d": 1.0, "wk": 1 / 7, "mo": 1 / 30}.get(unit, float("nan"))
        when = {w.upper() for w in repeat.get("when", []) or []}
        if abs(per_day - 1) < 1e-9:
            return Frequency.NIGHTLY if when & {"HS", "NIGHT", "PCV"} else Frequency.DAILY
        for f in (Frequency.TWICE_DAILY, Frequency.THREE_TIMES_DAILY, Frequency.WEEKLY):
            if abs(per_day - f.doses_per_day) < 1e-9:
                return f
        self.problems.add("dosing frequency is not one Novamind records (daily, nightly, twice or three times "
                          "daily, weekly, as needed)", row=n, column=f"{column}.timing.repeat",
                          value=short(repeat))
        return None
