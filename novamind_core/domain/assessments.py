"""Self-report instruments (PHQ-9, GAD-7, ISI): scoring, severity bands and change against baseline.

Standard library only. Every threshold carries its source; ``docs/science.md`` §2 is the project summary.
The instrument definitions (items, answer choices, bands, thresholds) are in
:mod:`novamind_core.domain.instruments`; every public name there is re-exported here.

Scoring
-------
Each instrument is a sum of item answers: ``total = sum(answers)``; PHQ-9 and GAD-7 items are scored 0-3
("Not at all" .. "Nearly every day"), ISI items 0-4.

Change against baseline (lower scores are better on all three instruments)
--------------------------------------------------------------------------
* change ``= current - baseline`` (negative is improvement);
* percent change ``= 100 * (current - baseline) / baseline`` (undefined when baseline is 0);
* **response**: a reduction of at least 50% from baseline, ``current <= 0.5 * baseline`` with baseline > 0
  (conventional definition in antidepressant trials; docs/science.md §2);
* **remission**: ``current <= 4`` for PHQ-9 (Kroenke 2001 "none-minimal" band) and GAD-7 (Spitzer 2006
  "minimal" band), ``current <= 7`` for ISI ("no clinically significant insomnia", Bastien 2001);
* **MCID**: a change of at least the minimal clinically important difference: PHQ-9 5 points (Löwe 2004),
  GAD-7 4 points (Toussaint 2020), ISI 6 points (Yang 2009; Morin 2011 reports 8.4 for "moderate" improvement);
* **reliable change index** (Jacobson & Truax 1991): ``RCI = (x2 - x1) / S_diff`` with ``S_diff = sqrt(2) * SEM``
  and ``SEM = SD * sqrt(1 - r)``; |RCI| > 1.96 is change unlikely (p < .05) to be measurement error alone.

References
----------
The instruments themselves (Kroenke 2001, Spitzer 2006, Bastien 2001): :mod:`novamind_core.domain.instruments`.
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

from collections.abc import Sequence
from dataclasses import dataclass

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import (  # noqa: F401  (definitions re-exported for callers)
    GAD7_ITEMS,
    INSTRUMENTS,
    ISI_ITEMS,
    PHQ9_ITEMS,
    PHQ9_SELF_HARM_ITEM,
    RCI_CRITICAL_Z,
    AnswerChoice,
    Instrument,
    InstrumentSpec,
    SeverityBand,
)

RESPONSE_MIN_REDUCTION_FRACTION = 0.5
"""Response = at least a 50% reduction from baseline (conventional trial definition; docs/science.md §2)."""

ITEM9_INDEX = PHQ9_SELF_HARM_ITEM - 1
"""Position of PHQ-9 item 9 (thoughts of self-harm) in a list of answers (0-based)."""


def item9_answer(instrument: Instrument | str, answers: Sequence[int | None]) -> int | None:
    """The PHQ-9 item-9 answer (thoughts of self-harm) in ``answers``; None for other instruments or unanswered.

    The one place that knows where item 9 sits: scoring, storage, the alert rules, the seed and the entry form all
    ask here.
    """
    if Instrument.parse(instrument) is not Instrument.PHQ9 or len(answers) <= ITEM9_INDEX:
        return None
    return answers[ITEM9_INDEX]


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

    @property
    def item_answers(self) -> tuple[int, ...]:
        """The scored items' answers (the first ``len(items)``): what every total, model and chart reads."""
        return self.answers[:len(self.instrument.spec.items)]

    @property
    def extra_answers(self) -> tuple[int, ...]:
        """Answers to the unscored extra items (PHQ-9 item 10; MDQ questions 2 and 3), stored beside the items."""
        return self.answers[len(self.instrument.spec.items):]

    @property
    def screen(self) -> str | None:
        """The published screening verdict in words (MDQ, AUDIT-C); None for the other instruments."""
        return screen_verdict(self.instrument, self.answers)


def _check_answer(spec: InstrumentSpec, item_number: int, answer: object) -> int:
    item_choices = spec.all_choices[item_number - 1]
    values = sorted(c.value for c in item_choices)
    low, high = values[0], values[-1]
    allowed = f"{low}-{high}" if values == list(range(low, high + 1)) else ", ".join(map(str, values))
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ValidationError(
            f"{spec.instrument.value} item {item_number} answer {answer!r} is not a whole number: "
            f"allowed {allowed}",
            field=f"item_{item_number}",
            value=answer,
        )
    if answer not in values:
        raise ValidationError(
            f"{spec.instrument.value} item {item_number} answer {answer} is out of range: allowed {allowed}",
            field=f"item_{item_number}",
            value=answer,
        )
    return answer


def total_of(instrument: Instrument | str, answers: Sequence[int]) -> int:
    """The instrument's total from checked answers: the sum of the scored items (extra items such as PHQ-9 item 10
    never count), or the instrument's own rule (the C-SSRS screener's triage level 0-3)."""
    spec = Instrument.parse(instrument).spec
    scored = tuple(answers[:len(spec.items)])
    return spec.total_rule(scored) if spec.total_rule is not None else sum(scored)


def screen_verdict(instrument: Instrument | str, answers: Sequence[int]) -> str | None:
    """The published screening verdict in words (MDQ, AUDIT-C) or None where the band says it all."""
    spec = Instrument.parse(instrument).spec
    if spec.screen_rule is None or len(answers) < len(spec.items):
        return None
    return spec.screen_rule(tuple(answers))


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
    allowed_lengths = {len(spec.all_items)} if spec.extra_items_required else {len(spec.items), len(spec.all_items)}
    if len(answers) not in allowed_lengths:
        extra = (f" (or {len(spec.all_items)} with the unscored item{'s' if len(spec.extra_items) > 1 else ''})"
                 if len(allowed_lengths) > 1 else "")
        raise ValidationError(
            f"{instrument.value} needs {min(allowed_lengths)} answers, one per item{extra}; got {len(answers)}",
            field="answers",
            value=len(answers),
        )
    checked = tuple(_check_answer(spec, number, answer) for number, answer in enumerate(answers, start=1))
    total = total_of(instrument, checked)
    item9_positive = (item9_answer(instrument, checked) or 0) > 0
    return AssessmentScore(
        instrument=instrument,
        answers=checked,
        total=total,
        severity=band_for(instrument, total).name,
        item9_positive=item9_positive,
        max_total=spec.max_total,
    )


TOTAL_ONLY_NOTE = "item answers not available"
"""What the chart says for a total-only assessment (imported from a system that kept only the total)."""


def total_only_note(instrument: Instrument | str) -> str:
    """The hover/table wording for a total-only assessment: ``"item answers not available; item 9 unknown"`` for
    PHQ-9 (no self-harm alert can be derived), ``"item answers not available"`` for the others."""
    if Instrument.parse(instrument) is Instrument.PHQ9:
        return f"{TOTAL_ONLY_NOTE}; item {PHQ9_SELF_HARM_ITEM} unknown"
    return TOTAL_ONLY_NOTE


def score_total_only(instrument: Instrument | str, total: int) -> AssessmentScore:
    """Score an assessment known only by its total (most EHR exports of past questionnaires): ``answers`` is
    empty, the band comes from the total, and ``item9_positive`` is False because item 9 is unknown, not negative.

    Raises
    ------
    ValidationError
        The total is not a whole number in the instrument's range (``field="total"``).
    """
    instrument = Instrument.parse(instrument)
    total = _check_total(instrument, total, "total")
    return AssessmentScore(instrument=instrument, answers=(), total=total,
                           severity=band_for(instrument, total).name, item9_positive=False,
                           max_total=instrument.spec.max_total)


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
    rci : float or None
        Reliable change index ``(current - baseline) / S_diff`` (Jacobson & Truax 1991); None for an instrument
        without an adopted SD and test-retest r.
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
    rci: float | None
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
        if self.rci is None:
            if not findings:
                findings.append("no reliable change index for this questionnaire")
        elif self.reliable_improvement:
            findings.append(f"reliable improvement (RCI {self.rci:.2f})")
        elif self.reliable_deterioration:
            findings.append(f"reliable deterioration (RCI {self.rci:.2f})")
        else:
            findings.append(f"not a reliable change (RCI {self.rci:.2f}, within measurement error)")
        parts.append(findings[0][0].upper() + findings[0][1:] + "".join(f"; {f}" for f in findings[1:]) + ".")
        return " ".join(parts)


def reliable_change_index(instrument: Instrument | str, baseline_total: float, current_total: float
                          ) -> float | None:
    """``RCI = (x2 - x1) / (sqrt(2) * SD * sqrt(1 - r))`` (Jacobson & Truax 1991), dimensionless.

    SD and test-retest r per instrument are in :data:`INSTRUMENTS` with their sources; None for an instrument
    without both (the index is not computed rather than guessed).
    """
    spec = Instrument.parse(instrument).spec
    if not spec.has_change_statistics:
        return None
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
        remission=spec.remission_max_total is not None and current <= spec.remission_max_total,
        mcid_improved=spec.mcid_points is not None and -change >= spec.mcid_points,
        mcid_worsened=spec.mcid_points is not None and change >= spec.mcid_points,
        rci=rci,
        reliable_improvement=rci is not None and rci <= -RCI_CRITICAL_Z,
        reliable_deterioration=rci is not None and rci >= RCI_CRITICAL_Z,
        baseline_severity=band_for(instrument, baseline).name,
        current_severity=band_for(instrument, current).name,
    )
