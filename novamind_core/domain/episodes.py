"""Episodes of care: a patient's dated contacts grouped into spells of treatment, with the baseline and final score
of each instrument in each spell. Every clinic outcome (``novamind_core.domain.outcomes``) is counted per episode.

Standard library only. ``docs/science.md`` §12 is the project summary.

Rules (ours, written to match how the national programmes count a "referral" or "index event"):

* an episode **opens** at a referral, or at the first scored assessment when no episode is open;
* it **closes** at a discharge, or when no contact (referral, assessment or discharge) follows the last one for more
  than ``gap_days`` (default :data:`DEFAULT_EPISODE_GAP_DAYS`). A contact exactly ``gap_days`` after the last one
  still belongs to the same episode; one a day later opens a new episode. An episode closed for lack of contact has
  ``closed_on`` = the date of its last contact;
* on one date, referrals are taken first, then assessments (in the order given), then discharges, so an assessment on
  the discharge date belongs to the episode it ends;
* a discharge when no episode is open (including one that arrives after the gap already closed the episode) is
  ignored; a referral while an episode is open is a contact of that episode, not a new one;
* **baseline** = the first score of an instrument in the episode and **final** = the last (NHS Talking Therapies
  uses the first and last paired scores of a referral; CMS159 uses the index score and the last score in a window);
* an episode with no discharge and no gap before ``as_of`` (or the last event, without ``as_of``) stays open.

A patient can have several episodes; they are numbered 1, 2, ... in date order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument

DEFAULT_EPISODE_GAP_DAYS = 90
"""Days without contact after which an episode is closed (a local convention, configurable per call; NHS Talking
Therapies leaves discharge to the service, and three months without contact is a common local rule)."""


class EpisodeCloseReason(str, Enum):
    """Why an episode ended (``OPEN`` while it has not)."""

    DISCHARGED = "discharged"
    NO_CONTACT = "no contact"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class ScoredContact:
    """One scored questionnaire: the instrument, the date it was taken and its total (points)."""

    instrument: Instrument
    taken_on: date
    total: int


@dataclass(frozen=True, slots=True)
class InstrumentScores:
    """First and last score of one instrument within an episode.

    ``n`` is the number of scores of that instrument in the episode; ``has_pair`` says whether there is a baseline
    and a final score on different dates (two scored contacts).
    """

    instrument: Instrument
    baseline: int
    baseline_on: date
    final: int
    final_on: date
    n: int

    @property
    def has_pair(self) -> bool:
        return self.n >= 2 and self.final_on > self.baseline_on

    @property
    def change(self) -> int:
        """``final - baseline`` in points (negative is better on every supported instrument)."""
        return self.final - self.baseline


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode of care of one patient.

    Attributes
    ----------
    patient_id : str
    number : int
        1-based, in date order, per patient.
    opened_on : date
        The referral date, or the first assessment when the episode began without a referral.
    closed_on : date or None
        Discharge date, or the last contact when the gap closed it; None while open.
    close_reason : EpisodeCloseReason
    last_contact_on : date
    scores : tuple[InstrumentScores, ...]
        One entry per instrument scored in the episode, in :class:`Instrument` order.
    """

    patient_id: str
    number: int
    opened_on: date
    closed_on: date | None
    close_reason: EpisodeCloseReason
    last_contact_on: date
    scores: tuple[InstrumentScores, ...]

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def score(self, instrument: Instrument | str) -> InstrumentScores | None:
        """The scores of ``instrument`` in this episode, or None when it was never scored."""
        wanted = Instrument.parse(instrument)
        return next((s for s in self.scores if s.instrument is wanted), None)

    @property
    def length_days(self) -> int:
        """Days from opening to closing (or to the last contact while open)."""
        return ((self.closed_on or self.last_contact_on) - self.opened_on).days


# event kinds, in the order they are applied on one date
_REFERRAL, _ASSESSMENT, _DISCHARGE = 0, 1, 2


class _Builder:
    """Accumulates one episode's contacts (internal)."""

    def __init__(self, opened_on: date) -> None:
        self.opened_on = opened_on
        self.last_contact_on = opened_on
        self.first: dict[Instrument, ScoredContact] = {}
        self.last: dict[Instrument, ScoredContact] = {}
        self.count: dict[Instrument, int] = {}

    def add(self, contact: ScoredContact) -> None:
        self.first.setdefault(contact.instrument, contact)
        self.last[contact.instrument] = contact
        self.count[contact.instrument] = self.count.get(contact.instrument, 0) + 1

    def finish(self, patient_id: str, number: int, closed_on: date | None, reason: EpisodeCloseReason) -> Episode:
        scores = tuple(
            InstrumentScores(instrument=i, baseline=self.first[i].total, baseline_on=self.first[i].taken_on,
                             final=self.last[i].total, final_on=self.last[i].taken_on, n=self.count[i])
            for i in Instrument if i in self.first
        )
        return Episode(patient_id=patient_id, number=number, opened_on=self.opened_on, closed_on=closed_on,
                       close_reason=reason, last_contact_on=self.last_contact_on, scores=scores)


def build_episodes(
    patient_id: str,
    assessments: Iterable[ScoredContact],
    referrals: Iterable[date] = (),
    discharges: Iterable[date] = (),
    *,
    gap_days: int = DEFAULT_EPISODE_GAP_DAYS,
    as_of: date | None = None,
) -> tuple[Episode, ...]:
    """Group one patient's dated events into episodes of care (rules in the module docstring).

    Linear in the number of events after one sort. ``as_of`` (e.g. today, or the end of a reporting period) closes
    an episode whose last contact is more than ``gap_days`` before it; events after ``as_of`` are ignored.

    Raises
    ------
    ValidationError
        ``gap_days`` below 1.
    """
    if isinstance(gap_days, bool) or not isinstance(gap_days, int) or gap_days < 1:
        raise ValidationError(f"the episode gap must be a whole number of days, at least 1 (got {gap_days!r})",
                              field="gap_days", value=gap_days)
    events: list[tuple[date, int, int, ScoredContact | None]] = []
    for d in referrals:
        events.append((d, _REFERRAL, len(events), None))
    for a in assessments:
        events.append((a.taken_on, _ASSESSMENT, len(events), a))
    for d in discharges:
        events.append((d, _DISCHARGE, len(events), None))
    events.sort(key=lambda e: (e[0], e[1], e[2]))

    episodes: list[Episode] = []
    current: _Builder | None = None
    for on, kind, _order, contact in events:
        if as_of is not None and on > as_of:
            break
        if current is not None and (on - current.last_contact_on).days > gap_days:
            episodes.append(current.finish(patient_id, len(episodes) + 1, current.last_contact_on,
                                           EpisodeCloseReason.NO_CONTACT))
            current = None
        if kind == _DISCHARGE:
            if current is not None:
                current.last_contact_on = on
                episodes.append(current.finish(patient_id, len(episodes) + 1, on, EpisodeCloseReason.DISCHARGED))
                current = None
            continue
        if current is None:
            current = _Builder(on)
        current.last_contact_on = on
        if contact is not None:
            current.add(contact)
    if current is not None:
        if as_of is not None and (as_of - current.last_contact_on).days > gap_days:
            episodes.append(current.finish(patient_id, len(episodes) + 1, current.last_contact_on,
                                           EpisodeCloseReason.NO_CONTACT))
        else:
            episodes.append(current.finish(patient_id, len(episodes) + 1, None, EpisodeCloseReason.OPEN))
    return tuple(episodes)
