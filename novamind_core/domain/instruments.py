"""Self-report instrument definitions (PHQ-9, GAD-7, ISI): item wording, answer choices, severity bands and the
change thresholds with their sources. Scoring and change against baseline are in
:mod:`novamind_core.domain.assessments`, which re-exports every public name here.

Standard library only. Every threshold carries its source; ``docs/science.md`` §2 is the project summary.
PHQ-9 and GAD-7 items are scored 0-3 ("Not at all" .. "Nearly every day"), ISI items 0-4. The standard error of
measurement ``SEM = SD * sqrt(1 - r)`` and ``S_diff = sqrt(2) * SEM`` follow Jacobson & Truax (1991).

References
----------
Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure.
J Gen Intern Med 2001;16:606-613. doi:10.1046/j.1525-1497.2001.016009606.x
Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7.
Arch Intern Med 2006;166:1092-1097. doi:10.1001/archinte.166.10.1092
Bastien CH, Vallières A, Morin CM. Validation of the Insomnia Severity Index as an outcome measure for insomnia
research. Sleep Med 2001;2:297-307. doi:10.1016/S1389-9457(00)00065-4
Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful change in psychotherapy
research. J Consult Clin Psychol 1991;59:12-19. doi:10.1037/0022-006X.59.1.12
(Sources of the remission, MCID, SD and test-retest values are named in each :class:`InstrumentSpec` field.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from novamind_core.domain.errors import ValidationError

RCI_CRITICAL_Z = 1.96
"""Two-sided 95% criterion for the reliable change index (Jacobson & Truax 1991)."""

class Instrument(str, Enum):
    """A supported self-report instrument. Values are stored in the database: never rename one."""

    PHQ9 = "PHQ-9"
    GAD7 = "GAD-7"
    ISI = "ISI"
    CSSRS = "C-SSRS"
    PCL5 = "PCL-5"
    AUDIT = "AUDIT"
    AUDITC = "AUDIT-C"
    MDQ = "MDQ"
    WSAS = "WSAS"
    ASRM = "ASRM"

    @classmethod
    def parse(cls, value: str | Instrument) -> Instrument:
        """Return the instrument named by ``value``; accepts "PHQ-9", "phq9", "phq_9", "GAD7", "isi" ...

        Raises
        ------
        ValidationError
            Naming the value and the supported instruments.
        """
        if isinstance(value, Instrument):
            return value
        key = "".join(ch for ch in str(value).casefold() if ch.isalnum())
        for instrument in cls:
            if "".join(ch for ch in instrument.value.casefold() if ch.isalnum()) == key:
                return instrument
        allowed = ", ".join(i.value for i in cls)
        raise ValidationError(
            f"unknown instrument {value!r}: supported instruments are {allowed}", field="instrument", value=value
        )

    @property
    def spec(self) -> InstrumentSpec:
        """The full definition (items, choices, bands, thresholds, sources) of this instrument."""
        return INSTRUMENTS[self]

    @property
    def item_count(self) -> int:
        return len(self.spec.items)

    @property
    def items(self) -> tuple[str, ...]:
        return self.spec.items

    @property
    def min_answer(self) -> int:
        return self.spec.min_answer

    @property
    def max_answer(self) -> int:
        return self.spec.max_answer

    @property
    def max_total(self) -> int:
        return self.spec.max_total


@dataclass(frozen=True, slots=True)
class AnswerChoice:
    """One answer option: the score it carries and the published wording."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class SeverityBand:
    """A severity band: totals ``min_total..max_total`` inclusive.

    ``name`` is the short name used in tables and the API; ``label`` the published wording.
    """

    name: str
    min_total: int
    max_total: int
    label: str


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """Definition of an instrument: items, answer choices, bands and change thresholds, each with its source."""

    instrument: Instrument
    title: str
    reference: str
    stem: str
    items: tuple[str, ...]
    choices: tuple[tuple[AnswerChoice, ...], ...]  # one tuple of choices per item
    bands: tuple[SeverityBand, ...]
    bands_source: str
    remission_max_total: int | None
    remission_source: str
    mcid_points: int | None
    mcid_source: str
    sd_total: float | None
    sd_source: str
    test_retest_r: float | None
    test_retest_source: str
    loinc_panel: str | None = None
    loinc_total: str | None = None
    extra_items: tuple[str, ...] = ()
    """Items asked after the scored ones that do not add to the total (PHQ-9 item 10; MDQ questions 2 and 3)."""
    extra_choices: tuple[tuple[AnswerChoice, ...], ...] = ()
    extra_items_required: bool = False
    """False: the extra items may be left out (PHQ-9 item 10); True: every answer is needed (MDQ)."""
    total_rule: Callable[[tuple[int, ...]], int] | None = None
    """How the scored answers make the total; None is their sum. The C-SSRS screener's total is its triage level."""
    total_max: int | None = None
    """Highest total when :attr:`total_rule` is not a sum."""
    screen_rule: Callable[[tuple[int, ...]], str | None] | None = None
    """The published screening verdict in words from every answer (MDQ, AUDIT-C), or None."""
    self_report: bool = True
    """False: asked by a clinician (the C-SSRS screener within a risk review), never sent to a patient."""

    @property
    def min_answer(self) -> int:
        return min(c.value for c in self.choices[0])

    @property
    def max_answer(self) -> int:
        return max(c.value for c in self.choices[0])

    @property
    def max_total(self) -> int:
        if self.total_max is not None:
            return self.total_max
        return sum(max(c.value for c in item_choices) for item_choices in self.choices)

    @property
    def asked_item_count(self) -> int:
        """Questions every administration asks: the scored items, and the extra ones where they are required (MDQ).
        PHQ-9 item 10 is optional: the clinician's form offers it, the patient's questionnaire asks the nine."""
        return len(self.all_items) if self.extra_items_required else len(self.items)

    @property
    def all_items(self) -> tuple[str, ...]:
        """The scored items, then the extra (unscored) ones."""
        return self.items + self.extra_items

    @property
    def all_choices(self) -> tuple[tuple[AnswerChoice, ...], ...]:
        return self.choices + self.extra_choices

    @property
    def has_change_statistics(self) -> bool:
        """Whether a published SD and test-retest r are adopted here (reliable change index available)."""
        return self.sd_total is not None and self.test_retest_r is not None

    @property
    def sem(self) -> float:
        """Standard error of measurement, ``SEM = SD * sqrt(1 - r)`` (Jacobson & Truax 1991), in points."""
        if self.sd_total is None or self.test_retest_r is None:
            raise ValueError(f"{self.instrument.value}: no SD and test-retest r are adopted (see sd_source)")
        return self.sd_total * math.sqrt(1.0 - self.test_retest_r)

    @property
    def s_diff(self) -> float:
        """Standard error of the difference of two scores, ``S_diff = sqrt(2) * SEM``, in points."""
        return math.sqrt(2.0) * self.sem

    @property
    def reliable_change_points(self) -> float:
        """Smallest change (points) that is reliable at 95%: ``1.96 * S_diff``."""
        return RCI_CRITICAL_Z * self.s_diff


Band = tuple[str, int, int, str]
"""A severity band as data: ``(name, min_total, max_total, label)`` (see :class:`SeverityBand`)."""
Scale = tuple[AnswerChoice, ...]
"""The answer choices of one item."""
NOT_ADOPTED = "not adopted in this project (no reliable change index is shown)"
"""The source of a change statistic this project has not adopted (the value is None: never invented)."""


SHORT_BAND_NAMES: dict[str, str] = {"moderately severe": "mod. severe"}
"""Band names too long for a narrow column (the caseload's score), in the words a clinician reads at a glance; the
full name is shown wherever there is room."""


def instrument_spec(instrument: Instrument, title: str, *, reference: str, stem: str, items: tuple[str, ...],
                    scale: Scale | tuple[Scale, ...], bands: tuple[Band, ...], bands_source: str,
                    remission: tuple[int | None, str], mcid: tuple[int | None, str],
                    sd: tuple[float | None, str] = (None, NOT_ADOPTED),
                    test_retest: tuple[float | None, str] = (None, NOT_ADOPTED),
                    loinc: tuple[str, str] | None = None, **rules: Any) -> InstrumentSpec:
    """One instrument's definition built from its data.

    ``scale`` is one answer scale asked for every item, or one scale per item; ``bands`` are ``(name, min, max,
    label)``; each threshold comes with its source as ``(value, source)`` (SD and test-retest r default to not
    adopted); ``loinc`` is ``(panel code, total code)``. ``rules`` are the remaining :class:`InstrumentSpec` fields by
    name (unscored extra items, a total or screening rule, ``self_report``).
    """
    choices = (scale,) * len(items) if isinstance(scale[0], AnswerChoice) else scale
    return InstrumentSpec(
        instrument=instrument, title=title, reference=reference, stem=stem, items=items,
        choices=choices,  # type: ignore[arg-type]
        bands=tuple(SeverityBand(*band) for band in bands), bands_source=bands_source,
        remission_max_total=remission[0], remission_source=remission[1], mcid_points=mcid[0], mcid_source=mcid[1],
        sd_total=sd[0], sd_source=sd[1], test_retest_r=test_retest[0], test_retest_source=test_retest[1],
        loinc_panel=loinc[0] if loinc else None, loinc_total=loinc[1] if loinc else None, **rules)


def instrument_table(*specs: InstrumentSpec) -> dict[Instrument, InstrumentSpec]:
    """Definitions keyed by their instrument, in the order given (each instrument once)."""
    table = {spec.instrument: spec for spec in specs}
    if len(table) != len(specs):
        raise ValueError("an instrument is defined twice")
    return table


_FREQUENCY_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "Not at all"),
    AnswerChoice(1, "Several days"),
    AnswerChoice(2, "More than half the days"),
    AnswerChoice(3, "Nearly every day"),
)
"""PHQ-9 / GAD-7 answer choices (Kroenke 2001; Spitzer 2006)."""

_SEVERITY_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "None"),
    AnswerChoice(1, "Mild"),
    AnswerChoice(2, "Moderate"),
    AnswerChoice(3, "Severe"),
    AnswerChoice(4, "Very severe"),
)
"""ISI items 1-3 answer choices (Bastien 2001)."""


def _five_point(low: str, high: str) -> tuple[AnswerChoice, ...]:
    return (
        AnswerChoice(0, low),
        AnswerChoice(1, "A little"),
        AnswerChoice(2, "Somewhat"),
        AnswerChoice(3, "Much"),
        AnswerChoice(4, high),
    )


PHQ9_ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or "
    "restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
"""PHQ-9 item wording (Kroenke 2001, appendix; Pfizer public-domain form)."""

PHQ9_FUNCTION_ITEM = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, take care "
    "of things at home, or get along with other people?"
)
"""PHQ-9 item 10, functional impairment: asked after the nine scored items and never added to the total
(Kroenke 2001; Spitzer, Kroenke & Williams 1999). LOINC 69722-7."""

PHQ9_FUNCTION_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "Not difficult at all"),
    AnswerChoice(1, "Somewhat difficult"),
    AnswerChoice(2, "Very difficult"),
    AnswerChoice(3, "Extremely difficult"),
)

PHQ9_SELF_HARM_ITEM = 9
"""1-based number of the PHQ-9 self-harm item; any answer above 0 is flagged regardless of the total."""

GAD7_ITEMS: tuple[str, ...] = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
"""GAD-7 item wording (Spitzer 2006, Figure)."""

ISI_ITEMS: tuple[str, ...] = (
    "Difficulty falling asleep",
    "Difficulty staying asleep",
    "Problems waking up too early",
    "How satisfied/dissatisfied are you with your current sleep pattern?",
    "How noticeable to others do you think your sleep problem is in terms of impairing the quality of your life?",
    "How worried/distressed are you about your current sleep problem?",
    "To what extent do you consider your sleep problem to interfere with your daily functioning (e.g. daytime "
    "fatigue, mood, ability to function at work/daily chores, concentration, memory, mood, etc.) currently?",
)
"""ISI item wording (Bastien 2001, Appendix; Morin 1993)."""

INSTRUMENTS: dict[Instrument, InstrumentSpec] = instrument_table(
    instrument_spec(
        Instrument.PHQ9, "Patient Health Questionnaire-9",
        reference="Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606-613",
        stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        items=PHQ9_ITEMS, scale=_FREQUENCY_CHOICES, loinc=("44249-1", "44261-6"),
        bands=(("minimal", 0, 4, "None-minimal depression"),
               ("mild", 5, 9, "Mild depression"),
               ("moderate", 10, 14, "Moderate depression"),
               ("moderately severe", 15, 19, "Moderately severe depression"),
               ("severe", 20, 27, "Severe depression")),
        bands_source="Kroenke 2001: scores of 5, 10, 15 and 20 represent mild, moderate, moderately severe and "
        "severe depression",
        remission=(4, "PHQ-9 < 5 (Kroenke 2001 none-minimal band; Kroenke, Spitzer, Williams & Löwe 2010)"),
        mcid=(5, "Löwe 2004, Med Care 42:1194: a 5-point change is clinically significant"),
        sd=(5.7, "representative baseline SD of PHQ-9 totals in treated depression (verify against Löwe 2004 "
            "Table 1); cross-check: Löwe 2004 set the MCID of 5 points at 2 SEM, i.e. SEM ~2.5 points, and "
            "5.7 * sqrt(1 - 0.84) = 2.3 points"),
        test_retest=(0.84, "Kroenke 2001: test-retest correlation 0.84 (MHP re-administration within 48 h)"),
        extra_items=(PHQ9_FUNCTION_ITEM,), extra_choices=(PHQ9_FUNCTION_CHOICES,),
    ),
    instrument_spec(
        Instrument.GAD7, "Generalized Anxiety Disorder 7-item scale",
        reference="Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-1097",
        stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
        items=GAD7_ITEMS, scale=_FREQUENCY_CHOICES, loinc=("69737-5", "70274-6"),
        bands=(("minimal", 0, 4, "Minimal anxiety"),
               ("mild", 5, 9, "Mild anxiety"),
               ("moderate", 10, 14, "Moderate anxiety"),
               ("severe", 15, 21, "Severe anxiety")),
        bands_source="Spitzer 2006: cut points of 5, 10 and 15 represent mild, moderate and severe anxiety",
        remission=(4, "GAD-7 < 5, Spitzer 2006 minimal band (docs/science.md §2)"),
        mcid=(4, "Toussaint 2020, J Affect Disord 265:395: MCID of 4 points"),
        sd=(5.0, "baseline SD of GAD-7 totals in a clinical sample (Toussaint 2020, Table 1; verify)"),
        test_retest=(0.83, "Spitzer 2006: test-retest intraclass correlation 0.83 (retest within 1 week)"),
    ),
    instrument_spec(
        Instrument.ISI, "Insomnia Severity Index",
        reference="Bastien CH, Vallières A, Morin CM. Sleep Med 2001;2:297-307",
        stem="Please rate the current (i.e. last 2 weeks) severity of your insomnia problem(s).",
        items=ISI_ITEMS,
        scale=(
            _SEVERITY_CHOICES,
            _SEVERITY_CHOICES,
            _SEVERITY_CHOICES,
            (
                AnswerChoice(0, "Very satisfied"),
                AnswerChoice(1, "Satisfied"),
                AnswerChoice(2, "Moderately satisfied"),
                AnswerChoice(3, "Dissatisfied"),
                AnswerChoice(4, "Very dissatisfied"),
            ),
            _five_point("Not at all noticeable", "Very much noticeable"),
            _five_point("Not at all worried", "Very much worried"),
            _five_point("Not at all interfering", "Very much interfering"),
        ),
        bands=(("none", 0, 7, "No clinically significant insomnia"),
               ("subthreshold", 8, 14, "Subthreshold insomnia"),
               ("moderate", 15, 21, "Clinical insomnia (moderate severity)"),
               ("severe", 22, 28, "Clinical insomnia (severe)")),
        bands_source="Bastien 2001: 0-7 no clinically significant insomnia, 8-14 subthreshold, 15-21 moderate, "
        "22-28 severe",
        remission=(7, "ISI <= 7, 'no clinically significant insomnia' (Bastien 2001; Morin 2011)"),
        mcid=(6, "Yang 2009, Curr Med Res Opin 25:2487: MID 6 points (Morin 2011: -8.4 for moderate "
              "improvement; verify)"),
        sd=(8.0, "implied by SEM 2.52 at ICC 0.90 in outpatients (Dieperink 2020, J Patient Rep Outcomes 4:18)"),
        test_retest=(0.90, "Dieperink 2020, J Patient Rep Outcomes 4:18: 2-week test-retest ICC 0.90"),
    ),
)
"""Every supported instrument's definition, keyed by :class:`Instrument`. The step-15 instruments (C-SSRS screener,
PCL-5, AUDIT, AUDIT-C, MDQ, WSAS, ASRM) are defined in :mod:`novamind_core.domain.instrument_screeners`, which adds
them here; the ``novamind_core.domain`` package imports it first, so the table is always whole."""
