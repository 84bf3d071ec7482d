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
Questionnaires: the LOINC form's canonical ``http://loinc.org/q/<panel code>`` (the form LOINC's own FHIR server and
LHC-Forms publish; the HL7 SDC and US Core PHQ-9 QuestionnaireResponse examples answer LOINC 44249-1 item by item with
``valueCoding`` from answer list LL358-3). ISI has no LOINC panel here, so its Questionnaire is Novamind's own
canonical (``urn:novamind:questionnaire:ISI``) and its answers travel as ``valueInteger``.
Patient: sex assigned at birth in the US Core ``us-core-birthsex`` extension (valueCode F, M or UNK; US Core STU4-8,
http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex); gender identity in the cross-version
``individual-genderIdentity`` extension (FHIR R5 core extension, which US Core STU7+ recommends in place of the
deprecated ``us-core-genderIdentity``; sub-extension ``value`` with a CodeableConcept). ``Patient.gender`` is
administrative gender, which Novamind does not record, so it is not written (and read only as the old shape).
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
#: Novamind's canonical base for Questionnaires without a LOINC form (ISI): ``<base>:ISI``.
NOVAMIND_QUESTIONNAIRE_BASE = "urn:novamind:questionnaire"
LOINC_QUESTIONNAIRE_BASE = "http://loinc.org/q"
#: Who entered an assessment (QuestionnaireResponse.author when it is not a patient reference).
NOVAMIND_USER_SYSTEM = "urn:novamind:user"
BIRTH_SEX_EXTENSION = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
GENDER_IDENTITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/individual-genderIdentity"
#: The US Core STU5/6 gender identity extension (valueCodeableConcept), read on import.
US_CORE_GENDER_IDENTITY_EXTENSION = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity"


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
        ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8",
         "69722-7"),  # the last: item 10, functional impairment (not scored)
    ),
    Instrument.GAD7: InstrumentCodes(
        Instrument.GAD7, LOINC, "69737-5", "70274-6",
        ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    ),
    Instrument.ISI: InstrumentCodes(
        Instrument.ISI, NOVAMIND_INSTRUMENT_SYSTEM, "ISI", "ISI-total", tuple(f"ISI-{i}" for i in range(1, 8)),
    ),
    # AUDIT-C: LOINC panel 72109-2, total 75626-2, questions 68518-0, 68519-8, 68520-6 (as in the US Core AUDIT-C
    # Questionnaire). The others travel under the local system: the AUDIT's LOINC panel (72110-0) and total (75624-7)
    # are known, but its item codes are not verified here, so it is exchanged whole under local codes.
    Instrument.AUDITC: InstrumentCodes(
        Instrument.AUDITC, LOINC, "72109-2", "75626-2", ("68518-0", "68519-8", "68520-6"),
    ),
    **{i: InstrumentCodes(i, NOVAMIND_INSTRUMENT_SYSTEM, i.value, f"{i.value}-total",
                          tuple(f"{i.value}-{n}" for n in range(1, len(i.spec.all_items) + 1)))
       for i in (Instrument.CSSRS, Instrument.PCL5, Instrument.AUDIT, Instrument.MDQ, Instrument.WSAS,
                 Instrument.ASRM)},
}

#: LOINC answer codes of the PHQ/GAD frequency scale (answer list LL358-3) -> item score.
LOINC_FREQUENCY_ANSWERS: dict[str, int] = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}
#: item score -> (LOINC answer code, display), the reverse of :data:`LOINC_FREQUENCY_ANSWERS`.
LOINC_FREQUENCY_CODINGS: dict[int, tuple[str, str]] = {
    0: ("LA6568-5", "Not at all"), 1: ("LA6569-3", "Several days"), 2: ("LA6570-1", "More than half the days"),
    3: ("LA6571-9", "Nearly every day"),
}
#: us-core-birthsex codes (F, M, UNK) <-> sex at birth values.
BIRTH_SEX_CODES: dict[str, str] = {"female": "F", "male": "M", "other": "UNK", "unknown": "UNK"}

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


def questionnaire_canonical(instrument: Instrument) -> str:
    """The canonical URL of the instrument's Questionnaire: ``http://loinc.org/q/44249-1`` (PHQ-9),
    ``http://loinc.org/q/69737-5`` (GAD-7), ``urn:novamind:questionnaire:ISI``."""
    codes = INSTRUMENT_CODES[instrument]
    if codes.system == LOINC:
        return f"{LOINC_QUESTIONNAIRE_BASE}/{codes.panel}"
    return f"{NOVAMIND_QUESTIONNAIRE_BASE}:{codes.panel}"


#: Questionnaire canonical (without a ``|version``) -> instrument.
QUESTIONNAIRE_INDEX: dict[str, Instrument] = {questionnaire_canonical(i): i for i in INSTRUMENT_CODES}
