"""Self-report instruments (PHQ-9, GAD-7, ISI): scoring, severity bands and change against baseline.

Standard library only. Every threshold carries its source; ``../shared/SCIENCE.md`` §2 is the project summary.

Scoring
-------
Each instrument is a sum of item answers: ``total = sum(answers)``; PHQ-9 and GAD-7 items are scored 0-3
("Not at all" .. "Nearly every day"), ISI items 0-4.

Change against baseline (lower scores are better on all three instruments)
--------------------------------------------------------------------------
* change ``= current - baseline`` (negative is improvement);
* percent change ``= 100 * (current - baseline) / baseline`` (undefined when baseline is 0);
* **response**: a reduction of at least 50% from baseline, ``current <= 0.5 * baseline`` with baseline > 0
  (conventional definition in antidepressant trials; SCIENCE.md §2);
* **remission**: ``current <= 4`` for PHQ-9 (Kroenke 2001 "none-minimal" band) and GAD-7 (Spitzer 2006
  "minimal" band), ``current <= 7`` for ISI ("no clinically significant insomnia", Bastien 2001);
* **MCID**: a change of at least the minimal clinically important difference: PHQ-9 5 points (Löwe 2004),
  GAD-7 4 points (Toussaint 2020), ISI 6 points (Yang 2009; Morin 2011 reports 8.4 for "moderate" improvement);
* **reliable change index** (Jacobson & Truax 1991): ``RCI = (x2 - x1) / S_diff`` with ``S_diff = sqrt(2) * SEM``
  and ``SEM = SD * sqrt(1 - r)``; |RCI| > 1.96 is change unlikely (p < .05) to be measurement error alone.

References
----------
Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure.
J Gen Intern Med 2001;16:606-613. doi:10.1046/j.1525-1497.2001.016009606.x
Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7.
Arch Intern Med 2006;166:1092-1097. doi:10.1001/archinte.166.10.1092
Bastien CH, Vallières A, Morin CM. Validation of the Insomnia Severity Index as an outcome measure for insomnia
research. Sleep Med 2001;2:297-307. doi:10.1016/S1389-9457(00)00065-4
Löwe B, Unützer J, Callahan CM, Perkins AJ, Kroenke K. Monitoring depression treatment outcomes with the Patient
Health Questionnaire-9. Med Care 2004;42:1194-1201. doi:10.1097/00005650-200412000-00006
Toussaint A, Hüsing P, Gumz A, et al. Sensitivity to change and minimal clinically important difference of the 7-item
Generalized Anxiety Disorder Questionnaire (GAD-7). J Affect Disord 2020;265:395-401. doi:10.1016/j.jad.2020.01.032
Yang M, Morin CM, Schaefer K, Wallenstein GV. Interpreting score differences in the Insomnia Severity Index.
Curr Med Res Opin 2009;25:2487-2494. doi:10.1185/03007990903167415
Morin CM, Belleville G, Bélanger L, Ivers H. The Insomnia Severity Index: psychometric indicators to detect insomnia
cases and evaluate treatment response. Sleep 2011;34:601-608. doi:10.1093/sleep/34.5.601
Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful change in psychotherapy
research. J Consult Clin Psychol 1991;59:12-19. doi:10.1037/0022-006X.59.1.12
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from novamind_core.domain.errors import ValidationError

RCI_CRITICAL_Z = 1.96
"""Two-sided 95% criterion for the reliable change index (Jacobson & Truax 1991)."""

RESPONSE_MIN_REDUCTION_FRACTION = 0.5
"""Response = at least a 50% reduction from baseline (conventional trial definition; SCIENCE.md §2)."""


class Instrument(str, Enum):
    """A supported self-report instrument. Values are stored in the database: never rename one."""

    PHQ9 = "PHQ-9"
    GAD7 = "GAD-7"
    ISI = "ISI"

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
    remission_max_total: int
    remission_source: str
    mcid_points: int
    mcid_source: str
    sd_total: float
    sd_source: str
    test_retest_r: float
    test_retest_source: str
    loinc_panel: str | None = None
    loinc_total: str | None = None

    @property
    def min_answer(self) -> int:
        return min(c.value for c in self.choices[0])

    @property
    def max_answer(self) -> int:
        return max(c.value for c in self.choices[0])

    @property
    def max_total(self) -> int:
        return sum(max(c.value for c in item_choices) for item_choices in self.choices)

    @property
    def sem(self) -> float:
        """Standard error of measurement, ``SEM = SD * sqrt(1 - r)`` (Jacobson & Truax 1991), in points."""
        return self.sd_total * math.sqrt(1.0 - self.test_retest_r)

    @property
    def s_diff(self) -> float:
        """Standard error of the difference of two scores, ``S_diff = sqrt(2) * SEM``, in points."""
        return math.sqrt(2.0) * self.sem

    @property
    def reliable_change_points(self) -> float:
        """Smallest change (points) that is reliable at 95%: ``1.96 * S_diff``."""
        return RCI_CRITICAL_Z * self.s_diff


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

INSTRUMENTS: dict[Instrument, InstrumentSpec] = {
    Instrument.PHQ9: InstrumentSpec(
        instrument=Instrument.PHQ9,
        title="Patient Health Questionnaire-9",
        reference="Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606-613",
        stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        items=PHQ9_ITEMS,
        choices=(_FREQUENCY_CHOICES,) * 9,
        bands=(
            SeverityBand("minimal", 0, 4, "None-minimal depression"),
            SeverityBand("mild", 5, 9, "Mild depression"),
            SeverityBand("moderate", 10, 14, "Moderate depression"),
            SeverityBand("moderately severe", 15, 19, "Moderately severe depression"),
            SeverityBand("severe", 20, 27, "Severe depression"),
        ),
        bands_source="Kroenke 2001: scores of 5, 10, 15 and 20 represent mild, moderate, moderately severe and "
        "severe depression",
        remission_max_total=4,
        remission_source="PHQ-9 < 5 (Kroenke 2001 none-minimal band; Kroenke, Spitzer, Williams & Löwe 2010)",
        mcid_points=5,
        mcid_source="Löwe 2004, Med Care 42:1194: a 5-point change is clinically significant",
        sd_total=5.7,
        sd_source="representative baseline SD of PHQ-9 totals in treated depression (verify against Löwe 2004 "
        "Table 1); cross-check: Löwe 2004 set the MCID of 5 points at 2 SEM, i.e. SEM ~2.5 points, and "
        "5.7 * sqrt(1 - 0.84) = 2.3 points",
        test_retest_r=0.84,
        test_retest_source="Kroenke 2001: test-retest correlation 0.84 (MHP re-administration within 48 h)",
        loinc_panel="44249-1",
        loinc_total="44261-6",
    ),
    Instrument.GAD7: InstrumentSpec(
        instrument=Instrument.GAD7,
        title="Generalized Anxiety Disorder 7-item scale",
        reference="Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-1097",
        stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
        items=GAD7_ITEMS,
        choices=(_FREQUENCY_CHOICES,) * 7,
        bands=(
            SeverityBand("minimal", 0, 4, "Minimal anxiety"),
            SeverityBand("mild", 5, 9, "Mild anxiety"),
            SeverityBand("moderate", 10, 14, "Moderate anxiety"),
            SeverityBand("severe", 15, 21, "Severe anxiety"),
        ),
        bands_source="Spitzer 2006: cut points of 5, 10 and 15 represent mild, moderate and severe anxiety",
        remission_max_total=4,
        remission_source="GAD-7 < 5, Spitzer 2006 minimal band (SCIENCE.md §2)",
        mcid_points=4,
        mcid_source="Toussaint 2020, J Affect Disord 265:395: MCID of 4 points",
        sd_total=5.0,
        sd_source="baseline SD of GAD-7 totals in a clinical sample (Toussaint 2020, Table 1; verify)",
        test_retest_r=0.83,
        test_retest_source="Spitzer 2006: test-retest intraclass correlation 0.83 (retest within 1 week)",
        loinc_panel="69737-5",
        loinc_total="70274-6",
    ),
    Instrument.ISI: InstrumentSpec(
        instrument=Instrument.ISI,
        title="Insomnia Severity Index",
        reference="Bastien CH, Vallières A, Morin CM. Sleep Med 2001;2:297-307",
        stem="Please rate the current (i.e. last 2 weeks) severity of your insomnia problem(s).",
        items=ISI_ITEMS,
        choices=(
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
        bands=(
            SeverityBand("none", 0, 7, "No clinically significant insomnia"),
            SeverityBand("subthreshold", 8, 14, "Subthreshold insomnia"),
            SeverityBand("moderate", 15, 21, "Clinical insomnia (moderate severity)"),
            SeverityBand("severe", 22, 28, "Clinical insomnia (severe)"),
        ),
        bands_source="Bastien 2001: 0-7 no clinically significant insomnia, 8-14 subthreshold, 15-21 moderate, "
        "22-28 severe",
        remission_max_total=7,
        remission_source="ISI <= 7, 'no clinically significant insomnia' (Bastien 2001; Morin 2011)",
        mcid_points=6,
        mcid_source="Yang 2009, Curr Med Res Opin 25:2487: MID 6 points (Morin 2011: -8.4 for moderate "
        "improvement; verify)",
        sd_total=8.0,
        sd_source="implied by SEM 2.52 at ICC 0.90 in outpatients (Dieperink 2020, J Patient Rep Outcomes 4:18)",
        test_retest_r=0.90,
        test_retest_source="Dieperink 2020, J Patient Rep Outcomes 4:18: 2-week test-retest ICC 0.90",
    ),
}
"""Every supported instrument's definition, keyed by :class:`Instrument`."""


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """A scored questionnaire.

    Attributes
    ----------
    instrument : Instrument
    answers : tuple[int, ...]
        Item answers in item order.
    total : int
        Sum of the answers (points).
    severity : str
        Short band name (e.g. ``"moderately severe"``); see :func:`severity_band`.
    item9_positive : bool
        PHQ-9 only: item 9 (thoughts of self-harm) answered above 0. Raise a suicidality alert regardless of
        the total. Always False for other instruments.
    max_total : int
        Highest possible total.
    """

    instrument: Instrument
    answers: tuple[int, ...]
    total: int
    severity: str
    item9_positive: bool
    max_total: int

    @property
    def severity_label(self) -> str:
        """Published wording of the severity band."""
        return band_for(self.instrument, self.total).label


def _check_answer(spec: InstrumentSpec, item_number: int, answer: object) -> int:
    item_choices = spec.choices[item_number - 1]
    low = min(c.value for c in item_choices)
    high = max(c.value for c in item_choices)
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ValidationError(
            f"{spec.instrument.value} item {item_number} answer {answer!r} is not a whole number: "
            f"allowed {low}-{high}",
            field=f"item_{item_number}",
            value=answer,
        )
    if not low <= answer <= high:
        raise ValidationError(
            f"{spec.instrument.value} item {item_number} answer {answer} is out of range: allowed {low}-{high}",
            field=f"item_{item_number}",
            value=answer,
        )
    return answer


def score_assessment(instrument: Instrument | str, answers: Sequence[int]) -> AssessmentScore:
    """Score a completed questionnaire: ``total = sum(answers)``, band, and the PHQ-9 item-9 flag.

    Parameters
    ----------
    instrument : Instrument or str
        The instrument (or a name :meth:`Instrument.parse` accepts).
    answers : sequence of int
        One answer per item, in item order.

    Raises
    ------
    ValidationError
        Unknown instrument, wrong number of answers, or an answer that is not a whole number in the item's range
        (the message names the item number and the allowed range).
    """
    instrument = Instrument.parse(instrument)
    spec = instrument.spec
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValidationError(
            f"{instrument.value} answers must be a list of {len(spec.items)} whole numbers", field="answers"
        )
    if len(answers) != len(spec.items):
        raise ValidationError(
            f"{instrument.value} needs {len(spec.items)} answers, one per item; got {len(answers)}",
            field="answers",
            value=len(answers),
        )
    checked = tuple(_check_answer(spec, number, answer) for number, answer in enumerate(answers, start=1))
    total = sum(checked)
    item9_positive = instrument is Instrument.PHQ9 and checked[PHQ9_SELF_HARM_ITEM - 1] > 0
    return AssessmentScore(
        instrument=instrument,
        answers=checked,
        total=total,
        severity=band_for(instrument, total).name,
        item9_positive=item9_positive,
        max_total=spec.max_total,
    )


def _check_total(instrument: Instrument, total: object, field: str) -> int:
    high = instrument.spec.max_total
    if isinstance(total, bool) or not isinstance(total, int):
        raise ValidationError(
            f"{instrument.value} {field} total {total!r} is not a whole number: allowed 0-{high}",
            field=field,
            value=total,
        )
    if not 0 <= total <= high:
        raise ValidationError(
            f"{instrument.value} {field} total {total} is out of range: allowed 0-{high}", field=field, value=total
        )
    return total


def band_for(instrument: Instrument | str, total: int) -> SeverityBand:
    """Return the :class:`SeverityBand` containing ``total`` (raises ValidationError when out of range)."""
    instrument = Instrument.parse(instrument)
    total = _check_total(instrument, total, "score")
    for band in instrument.spec.bands:
        if band.min_total <= total <= band.max_total:
            return band
    raise AssertionError(f"bands of {instrument.value} do not cover {total}")  # pragma: no cover


def severity_band(instrument: Instrument | str, total: int) -> str:
    """Short severity band name for a total, e.g. ``severity_band("PHQ-9", 15) == "moderately severe"``.

    Bands (lower bounds): PHQ-9 minimal 0, mild 5, moderate 10, moderately severe 15, severe 20 (Kroenke 2001);
    GAD-7 minimal 0, mild 5, moderate 10, severe 15 (Spitzer 2006); ISI none 0, subthreshold 8, moderate 15,
    severe 22 (Bastien 2001).
    """
    return band_for(instrument, total).name


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """Change from baseline on one instrument (lower scores are better).

    Attributes
    ----------
    change : int
        ``current - baseline`` in points (negative = improvement).
    percent_change : float or None
        ``100 * change / baseline``; None when baseline is 0.
    response : bool
        Reduction of at least 50% from a baseline above 0.
    remission : bool
        Current total at or below the remission threshold (PHQ-9/GAD-7 <= 4, ISI <= 7).
    mcid_improved, mcid_worsened : bool
        Improvement (worsening) of at least the MCID.
    rci : float
        Reliable change index ``(current - baseline) / S_diff`` (Jacobson & Truax 1991).
    reliable_improvement, reliable_deterioration : bool
        ``rci <= -1.96`` / ``rci >= 1.96``.
    """

    instrument: Instrument
    baseline_total: int
    current_total: int
    change: int
    percent_change: float | None
    response: bool
    remission: bool
    mcid_improved: bool
    mcid_worsened: bool
    rci: float
    reliable_improvement: bool
    reliable_deterioration: bool
    baseline_severity: str
    current_severity: str

    def describe(self) -> str:
        """One plain-language sentence summarising the change, for clinicians."""
        name = self.instrument.value
        spec = self.instrument.spec
        if self.change < 0:
            direction = f"fell {-self.change} points"
        elif self.change > 0:
            direction = f"rose {self.change} points"
        else:
            direction = "did not change"
        pct = f" ({self.percent_change:+.0f}%)" if self.percent_change is not None and self.change else ""
        parts = [
            f"{name} {direction}{pct}, from {self.baseline_total} ({self.baseline_severity}) "
            f"to {self.current_total} ({self.current_severity})."
        ]
        findings: list[str] = []
        if self.response:
            findings.append("response (at least 50% reduction)")
        if self.remission:
            findings.append(f"remission (score {spec.remission_max_total} or less)")
        if self.mcid_improved:
            findings.append(f"clinically important improvement (at least {spec.mcid_points} points)")
        if self.mcid_worsened:
            findings.append(f"clinically important worsening (at least {spec.mcid_points} points)")
        if self.reliable_improvement:
            findings.append(f"reliable improvement (RCI {self.rci:.2f})")
        elif self.reliable_deterioration:
            findings.append(f"reliable deterioration (RCI {self.rci:.2f})")
        else:
            findings.append(f"not a reliable change (RCI {self.rci:.2f}, within measurement error)")
        parts.append(findings[0][0].upper() + findings[0][1:] + "".join(f"; {f}" for f in findings[1:]) + ".")
        return " ".join(parts)


def reliable_change_index(instrument: Instrument | str, baseline_total: float, current_total: float) -> float:
    """``RCI = (x2 - x1) / (sqrt(2) * SD * sqrt(1 - r))`` (Jacobson & Truax 1991), dimensionless.

    SD and test-retest r per instrument are in :data:`INSTRUMENTS` with their sources.
    """
    spec = Instrument.parse(instrument).spec
    return (current_total - baseline_total) / spec.s_diff


def compare_to_baseline(instrument: Instrument | str, baseline_total: int, current_total: int) -> ChangeSummary:
    """Compare a current total with the patient's baseline total: response, remission, MCID and reliable change.

    Raises
    ------
    ValidationError
        Unknown instrument, or a total that is not a whole number within ``0..max_total``.
    """
    instrument = Instrument.parse(instrument)
    spec = instrument.spec
    baseline = _check_total(instrument, baseline_total, "baseline")
    current = _check_total(instrument, current_total, "current")
    change = current - baseline
    percent = 100.0 * change / baseline if baseline > 0 else None
    response = baseline > 0 and (baseline - current) >= RESPONSE_MIN_REDUCTION_FRACTION * baseline
    rci = reliable_change_index(instrument, baseline, current)
    return ChangeSummary(
        instrument=instrument,
        baseline_total=baseline,
        current_total=current,
        change=change,
        percent_change=percent,
        response=response,
        remission=current <= spec.remission_max_total,
        mcid_improved=-change >= spec.mcid_points,
        mcid_worsened=change >= spec.mcid_points,
        rci=rci,
        reliable_improvement=rci <= -RCI_CRITICAL_Z,
        reliable_deterioration=rci >= RCI_CRITICAL_Z,
        baseline_severity=band_for(instrument, baseline).name,
        current_severity=band_for(instrument, current).name,
    )
