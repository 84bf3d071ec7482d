"""A structured suicide-risk review: what closes a PHQ-9 item-9 alert.

Standard library only. A review records, for one open item-9 alert: the C-SSRS screener answers (Posner et al. 2011;
triage level from :func:`novamind_core.domain.instrument_screeners.cssrs_triage_level`), the clinician's risk
formulation and judged risk level, a safety plan in the six steps of Stanley & Brown (2012), the action taken and a
follow-up date. :func:`review_problems` names every missing or invalid part, field by field, so the form can show each
next to its field and the service can refuse an incomplete review; an alert closes only with a complete one.

References
----------
Posner K, Brown GK, Stanley B, et al. The Columbia-Suicide Severity Rating Scale: initial validity and internal
consistency findings from three multisite studies with adolescents and adults. Am J Psychiatry 2011;168:1266-1277.
doi:10.1176/appi.ajp.2011.10111704
Stanley B, Brown GK. Safety Planning Intervention: a brief intervention to mitigate suicide risk. Cogn Behav Pract
2012;19:256-264. doi:10.1016/j.cbpra.2011.01.001
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from novamind_core.domain.alerts import Alert
from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instrument_screeners import CSSRS_ITEMS, CSSRS_LEVELS, cssrs_triage_level

FORMULATION_MAX_CHARS = 5000
ACTION_MAX_CHARS = 2000
PLAN_ENTRY_MAX_CHARS = 500
PLAN_MAX_ENTRIES = 12
FOLLOW_UP_MAX_DAYS = 90
"""A follow-up further than this many days away is refused: a risk review is not closed with a distant date."""


class RiskLevel(str, Enum):
    """The clinician's formulated risk (a judgement, not the screener's triage level). Stored: never rename."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} risk"


@dataclass(frozen=True)
class SafetyStep:
    """One step of the Stanley-Brown safety plan: its key, the heading the patient reads, and a prompt."""

    key: str
    heading: str
    prompt: str


SAFETY_PLAN_STEPS: tuple[SafetyStep, ...] = (
    SafetyStep("warning_signs", "1. Warning signs that a crisis may be developing",
               "Thoughts, images, moods, situations or behaviours"),
    SafetyStep("coping_strategies", "2. Things I can do on my own to take my mind off my problems",
               "Relaxation, physical activity, anything that helps without contacting anyone"),
    SafetyStep("distraction_contacts", "3. People and places that help me take my mind off things",
               "People to be with and social settings"),
    SafetyStep("help_contacts", "4. People I can ask for help",
               "Name and phone number"),
    SafetyStep("professional_contacts", "5. Professionals and services I can contact in a crisis",
               "Clinician, out-of-hours service, crisis line, emergency department"),
    SafetyStep("environment_safety", "6. Making my environment safe",
               "Means to be removed or secured, and who will help"),
)
"""The six steps of the safety plan (Stanley & Brown 2012), in the order the patient reads them."""


@dataclass(frozen=True)
class SafetyPlan:
    """A patient's safety plan: the entries of each step, one line each (PHI: never in a log)."""

    warning_signs: tuple[str, ...] = field(default=(), repr=False)
    coping_strategies: tuple[str, ...] = field(default=(), repr=False)
    distraction_contacts: tuple[str, ...] = field(default=(), repr=False)
    help_contacts: tuple[str, ...] = field(default=(), repr=False)
    professional_contacts: tuple[str, ...] = field(default=(), repr=False)
    environment_safety: tuple[str, ...] = field(default=(), repr=False)

    def step(self, key: str) -> tuple[str, ...]:
        return tuple(getattr(self, key))

    def to_dict(self) -> dict[str, list[str]]:
        return {s.key: list(self.step(s.key)) for s in SAFETY_PLAN_STEPS}

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> SafetyPlan:
        """From ``{step key: list of lines or one text with a line per entry}``; blank lines dropped, each line
        stripped. Unknown keys are refused (naming them) so a typo cannot silently lose a step."""
        values = dict(values or {})
        unknown = set(values) - {s.key for s in SAFETY_PLAN_STEPS}
        if unknown:
            raise ValidationError(f"unknown safety plan step(s): {', '.join(sorted(unknown))}", field="safety_plan")
        return cls(**{s.key: _lines(values.get(s.key)) for s in SAFETY_PLAN_STEPS})


def _lines(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.splitlines() if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
    return tuple(line.strip() for line in items if line and line.strip())


@dataclass(frozen=True)
class RiskReviewInput:
    """What the clinician documents to close an item-9 alert (validated by :func:`review_problems`)."""

    cssrs_answers: tuple[int | None, ...]
    formulation: str = field(repr=False)
    risk_level: RiskLevel | None
    safety_plan: SafetyPlan
    action_taken: str = field(repr=False)
    follow_up_on: date | None


@dataclass(frozen=True)
class RiskReview:
    """A completed review, as stored. ``cssrs_level`` is the screener's triage level (none/low/moderate/high)."""

    id: int
    patient_id: int
    alert_id: int | None
    reviewed_at: datetime
    reviewed_by: int | None
    cssrs_answers: tuple[int, ...]
    cssrs_level: str
    risk_level: RiskLevel
    follow_up_on: date
    formulation: str = field(repr=False)
    action_taken: str = field(repr=False)
    safety_plan: SafetyPlan = field(repr=False)
    reviewed_by_name: str | None = None

    @property
    def cssrs_label(self) -> str:
        return CSSRS_LABELS[self.cssrs_level]


CSSRS_LABELS = {"none": "No ideation or behaviour reported", "low": "Low risk (screener)",
                "moderate": "Moderate risk (screener)", "high": "High risk (screener)"}


def cssrs_level(answers: Sequence[int]) -> str:
    """``"none" | "low" | "moderate" | "high"`` for seven yes/no answers (see :func:`cssrs_triage_level`)."""
    return CSSRS_LEVELS[cssrs_triage_level(tuple(answers))]


CSSRS_FINDINGS: tuple[str, ...] = (
    "wished to be dead (question 1)",
    "thoughts of killing themselves (question 2)",
    "thought about how they might do it (question 3)",
    "some intention of acting on these thoughts (question 4)",
    "worked out how to kill themselves and intends to carry out the plan (question 5)",
)
"""C-SSRS screener questions 1-5 answered yes, in a clinician's words (Posner 2011; the screen version)."""


def cssrs_findings(answers: Sequence[int]) -> tuple[str, ...]:
    """The screener's yes answers in a clinician's words, in question order: what a C-SSRS alert says raised it.

    Question 6 (suicidal behaviour, ever) is read with question 7 (within the past 3 months): ``"suicidal behaviour
    within the past 3 months (questions 6 and 7)"`` or ``"suicidal behaviour more than 3 months ago (question 6)"``.
    Empty when every answer is no (or none is known).
    """
    yes = [bool(a) for a in tuple(answers)[:len(CSSRS_ITEMS)]]
    yes += [False] * (len(CSSRS_ITEMS) - len(yes))
    found = [words for words, said in zip(CSSRS_FINDINGS, yes, strict=False) if said]
    if yes[5]:
        found.append("suicidal behaviour within the past 3 months (questions 6 and 7)" if yes[6]
                     else "suicidal behaviour more than 3 months ago (question 6)")
    return tuple(found)


def cssrs_alert_reason(level: int, answers: Sequence[int], on: date) -> str:
    """Why a C-SSRS screener raised a self-harm risk alert, in words (no codes): the triage level, the date, and
    each yes answer, e.g. ``"C-SSRS screener, high risk, on 06 Dec 2026: some intention of acting on these thoughts
    (question 4)"``. Without answers (a total-only import) it says the triage level alone was received."""
    findings = cssrs_findings(answers)
    said = "; ".join(findings) if findings else "triage level only, the answers are not available"
    return f"C-SSRS screener, {CSSRS_LEVELS[level]} risk, on {day_month_year(on)}: {said}"


def review_problems(review: RiskReviewInput, today: date) -> dict[str, str]:
    """Every reason the review cannot close the alert, keyed by field (``cssrs_<n>``, ``formulation``,
    ``risk_level``, ``safety_plan.<step>``, ``action_taken``, ``follow_up_on``); empty when complete.

    Rules: all seven screener questions answered yes (1) or no (0) (question 7 is "no" when question 6 is); a
    formulation and an action in words; a risk level; at least one entry in each of the six safety-plan steps; a
    follow-up date from today up to :data:`FOLLOW_UP_MAX_DAYS` days ahead.
    """
    problems: dict[str, str] = {}
    answers = tuple(review.cssrs_answers)
    if len(answers) != len(CSSRS_ITEMS):
        problems["cssrs"] = f"answer all {len(CSSRS_ITEMS)} screener questions"
    else:
        for number, answer in enumerate(answers, start=1):
            if answer not in (0, 1) or isinstance(answer, bool):
                problems[f"cssrs_{number}"] = f"answer screener question {number} yes or no"
    formulation = (review.formulation or "").strip()
    if not formulation:
        problems["formulation"] = "write the risk formulation (what raises and what lowers the risk now)"
    elif len(formulation) > FORMULATION_MAX_CHARS:
        problems["formulation"] = f"keep the formulation within {FORMULATION_MAX_CHARS} characters"
    if not isinstance(review.risk_level, RiskLevel):
        problems["risk_level"] = "choose the risk level you judge"
    for step in SAFETY_PLAN_STEPS:
        entries = review.safety_plan.step(step.key)
        if not entries:
            problems[f"safety_plan.{step.key}"] = f"add at least one entry to “{step.heading[3:]}”"
        elif len(entries) > PLAN_MAX_ENTRIES or any(len(e) > PLAN_ENTRY_MAX_CHARS for e in entries):
            problems[f"safety_plan.{step.key}"] = (f"at most {PLAN_MAX_ENTRIES} entries of "
                                                   f"{PLAN_ENTRY_MAX_CHARS} characters each")
    action = (review.action_taken or "").strip()
    if not action:
        problems["action_taken"] = "say what action was taken"
    elif len(action) > ACTION_MAX_CHARS:
        problems["action_taken"] = f"keep the action within {ACTION_MAX_CHARS} characters"
    follow = review.follow_up_on
    if not isinstance(follow, date):
        problems["follow_up_on"] = "choose a follow-up date"
    elif follow < today:
        problems["follow_up_on"] = f"the follow-up date {day_month_year(follow)} is in the past"
    elif (follow - today).days > FOLLOW_UP_MAX_DAYS:
        problems["follow_up_on"] = f"book the follow-up within {FOLLOW_UP_MAX_DAYS} days"
    return problems


def check_review(review: RiskReviewInput, today: date) -> RiskReviewInput:
    """The review with its text stripped, or ValidationError naming the first problem field and listing all."""
    problems = review_problems(review, today)
    if problems:
        first = next(iter(problems))
        raise ValidationError("the risk review is incomplete: " + "; ".join(problems.values()), field=first,
                              value=len(problems))
    return RiskReviewInput(tuple(int(a) for a in review.cssrs_answers if a is not None), review.formulation.strip(),
                           review.risk_level, review.safety_plan, review.action_taken.strip(), review.follow_up_on)


@dataclass(frozen=True)
class RaisingAnswer:
    """One answer of the questionnaire that raised the alert, in the patient's words."""

    number: int
    question: str
    answer: int
    answer_label: str


@dataclass(frozen=True)
class RiskReviewForm:
    """Everything the risk review form shows: the alert, the answers that raised it, the last review and plan (to
    start from), and today's date (the earliest follow-up)."""

    patient_id: int
    alert: Alert
    instrument: str | None
    administered_on: date | None
    total: int | None
    answers: tuple[RaisingAnswer, ...]
    previous_review: RiskReview | None
    previous_plan: SafetyPlan | None
    today: date


@dataclass(frozen=True)
class SafetyPlanView:
    """A patient's current safety plan for printing: whose, when, by whom, and the follow-up booked with it."""

    patient_id: int
    patient_name: str = field(repr=False)
    plan: SafetyPlan = field(repr=False)
    written_at: datetime
    written_by_name: str | None
    follow_up_on: date | None
