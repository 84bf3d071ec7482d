"""Code systems and codes Novamind reads and writes in FHIR: LOINC (questionnaires), RxNorm (drugs), ICD-10.

Every code carries its source. Instruments without a LOINC panel in this table (ISI) travel under a local code
system (:data:`NOVAMIND_INSTRUMENT_SYSTEM`), so a Novamind-to-Novamind round trip keeps them; other systems will
not recognise them, which is honest: we do not invent LOINC codes.

References
----------
LOINC 44249-1 "PHQ-9 quick depression assessment panel [Reported.PHQ]", total 44261-6; items 44250-9 .. 44260-8.
LOINC 69737-5 "Generalized anxiety disorder 7 item (GAD-7)", total 70274-6; items 69725-0 .. 69736-7.
LOINC answer list LL358-3 (PHQ): LA6568-5 "Not at all" (0), LA6569-3 "Several days" (1), LA6570-1 "More than half
the days" (2), LA6571-9 "Nearly every day" (3). Source: loinc.org (Regenstrief Institute), as used by the HL7 SDC
and Personal Health Record Format implementation guides.
RxNorm ingredient (TTY=IN) concept ids: NLM RxNav (https://mor.nlm.nih.gov/RxNav); verify against the current
release before clinical use. Drugs whose id we could not confirm are exported by name only (text and display).
"""

from __future__ import annotations

from dataclasses import dataclass

from novamind_core.domain.assessments import Instrument

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10-uk")
ICD10 = ICD10_SYSTEMS[0]
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
#: Local code system for instruments (and their items) that have no LOINC code in :data:`INSTRUMENT_CODES`.
NOVAMIND_INSTRUMENT_SYSTEM = "urn:novamind:instrument"


@dataclass(frozen=True)
class InstrumentCodes:
    """The codes of one instrument: panel, total score and items (in item order)."""

    instrument: Instrument
    system: str
    panel: str
    total: str
    items: tuple[str, ...]


INSTRUMENT_CODES: dict[Instrument, InstrumentCodes] = {
    Instrument.PHQ9: InstrumentCodes(
        Instrument.PHQ9, LOINC, "44249-1", "44261-6",
        ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"),
    ),
    Instrument.GAD7: InstrumentCodes(
        Instrument.GAD7, LOINC, "69737-5", "70274-6",
        ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    ),
    Instrument.ISI: InstrumentCodes(
        Instrument.ISI, NOVAMIND_INSTRUMENT_SYSTEM, "ISI", "ISI-total", tuple(f"ISI-{i}" for i in range(1, 8)),
    ),
}

#: LOINC answer codes of the PHQ/GAD frequency scale (answer list LL358-3) -> item score.
LOINC_FREQUENCY_ANSWERS: dict[str, int] = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}

#: (system, code) -> (instrument, role, item index or None); role is "panel", "total" or "item".
CODE_INDEX: dict[tuple[str, str], tuple[Instrument, str, int | None]] = {}
for _codes in INSTRUMENT_CODES.values():
    CODE_INDEX[(_codes.system, _codes.panel)] = (_codes.instrument, "panel", None)
    CODE_INDEX[(_codes.system, _codes.total)] = (_codes.instrument, "total", None)
    for _i, _code in enumerate(_codes.items):
        CODE_INDEX[(_codes.system, _code)] = (_codes.instrument, "item", _i)

#: Catalogue drug -> RxNorm ingredient RxCUI (TTY=IN), source NLM RxNav; desvenlafaxine and vortioxetine are left
#: out until their ids are verified (they are exchanged by name).
RXNORM_INGREDIENTS: dict[str, str] = {
    "sertraline": "36437",
    "escitalopram": "321988",
    "citalopram": "2556",
    "fluoxetine": "4493",
    "paroxetine": "32937",
    "venlafaxine": "39786",
    "duloxetine": "72625",
    "bupropion": "42347",
    "mirtazapine": "15996",
}
RXNORM_TO_DRUG: dict[str, str] = {v: k for k, v in RXNORM_INGREDIENTS.items()}


def codes_for(instrument: Instrument) -> InstrumentCodes:
    return INSTRUMENT_CODES[instrument]
