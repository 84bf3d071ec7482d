"""The demo cohort's stories: names, diagnoses, drugs, note texts and each synthetic patient's PHQ-9 course.

Pure data and generators (no database): :mod:`novamind_core.demo.seed` writes what these describe. The trajectory
model and the archetype shares are explained in that module's docstring; every number here is synthetic, for
demonstration only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from novamind_core.domain.patients import MetaboliserPhenotype

GIVEN = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Rowan", "Robin",
         "Charlie", "Frankie", "Kai", "Noor", "Priya", "Mateo", "Lena", "Tomas", "Aisha", "Yusuf", "Mei", "Oskar")
FAMILY = ("Example", "Sample", "Testcase", "Placeholder", "Mockridge", "Fakeley", "Dummett", "Synthetic", "Demoson",
          "Prototype", "Fixture", "Specimen", "Template", "Stubbs", "Pseudonym", "Testwell", "Mockford", "Samplewood")

DIAGNOSES = (
    ("F32.1", "Moderate depressive episode"),
    ("F32.2", "Severe depressive episode without psychotic symptoms"),
    ("F33.1", "Recurrent depressive disorder, current episode moderate"),
    ("F33.2", "Recurrent depressive disorder, current episode severe without psychotic symptoms"),
)
COMORBID = (("F41.1", "Generalized anxiety disorder"), ("F51.0", "Nonorganic insomnia"),
            ("F43.1", "Post-traumatic stress disorder"))

# drug, start dose, titrated dose (mg/day, within the usual ranges of docs/science.md §3)
DRUGS = (("sertraline", 50, 100), ("escitalopram", 10, 20), ("fluoxetine", 20, 40), ("venlafaxine", 75, 150),
         ("duloxetine", 30, 60), ("mirtazapine", 15, 30), ("bupropion", 150, 300), ("vortioxetine", 10, 20),
         ("citalopram", 20, 40))
NOTE_TEXTS = (
    "Reviewed mood and sleep. Discussed side effects; none significant. Plan: continue, review in two weeks.",
    "Reports better energy and interest in activities. Adherence good. Safety plan reviewed.",
    "Low mood persists; some early waking. Discussed options including dose increase and psychotherapy referral.",
    "Nausea in the first week, now settled. Encouraged regular routine and activity scheduling.",
)


@dataclass
class Plan:
    """One synthetic patient: the PHQ-9 course and the medication events that drive it."""

    archetype: str
    weeks: int
    start_phq: float
    segments: list  # (start_week, target, tau)
    meds: list  # (week, action, drug, dose, reason)
    item9_final: int = 0
    cyp2c19: str | None = None
    wearables: bool = False
    isi: bool = False


def schedule(weeks: int) -> list[int]:
    """Assessment days: weekly to week 8, fortnightly to week 16, then every 4 weeks (measurement-based care)."""
    out = list(range(0, min(weeks, 8) + 1))
    out += list(range(10, min(weeks, 16) + 1, 2))
    out += list(range(20, weeks + 1, 4))
    return [w * 7 for w in out]


def phq_course(plan: Plan, days: list[int], rng: np.random.Generator) -> list[int]:
    return [int(np.clip(round(level_at(plan, d / 7) + rng.normal(0, 1.5)), 0, 27)) for d in days]


def level_at(plan: Plan, t: float) -> float:
    """PHQ-9 level at week ``t``: each segment starts from the level the previous one reached at its start."""
    level, prev_start = plan.start_phq, 0.0
    target, tau = plan.start_phq, 1.0
    for start_week, seg_target, seg_tau in plan.segments:
        if t < start_week:
            break
        level = target + (level - target) * math.exp(-(start_week - prev_start) / tau)
        prev_start, target, tau = start_week, seg_target, seg_tau
    return target + (level - target) * math.exp(-(t - prev_start) / tau)


def allocate(total: int, weights: np.ndarray, max_item: int, rng: np.random.Generator) -> list[int]:
    """Spread ``total`` points over items, proportionally to ``weights``, at most ``max_item`` per item."""
    items = np.zeros(len(weights), int)
    w = weights.astype(float).copy()
    for _ in range(min(total, int(max_item * np.count_nonzero(w)))):
        p = np.where(items < max_item, w, 0.0)
        items[rng.choice(len(w), p=p / p.sum())] += 1
    return items.tolist()


def random_plan(archetype: str, rng: np.random.Generator) -> Plan:
    weeks = int(rng.integers(13, 53))
    a, b = rng.choice(len(DRUGS), 2, replace=False)
    d1, d2 = DRUGS[a], DRUGS[b]
    start = float(rng.uniform(15, 23))
    meds = [(0, "start", d1[0], d1[1], "first-line treatment for depression"),
            (4, "titrate", d1[0], d1[2], "partial early improvement; increased to usual target dose")]
    if archetype == "responder":
        segs = [(0, rng.uniform(2, 6), rng.uniform(3, 5))]
    elif archetype == "partial":
        sw = int(rng.integers(10, 14))
        segs = [(0, rng.uniform(10, 13), rng.uniform(3, 5)), (sw, rng.uniform(4, 8), rng.uniform(4, 6))]
        meds.append((sw, "switch", d2[0], d2[1], "partial response after an adequate trial"))
        weeks = max(weeks, sw + 12)
    elif archetype == "nonresponder":
        sw = 8
        segs = [(0, rng.uniform(16, 20), 4.0), (sw, rng.uniform(13, 17), 5.0)]
        meds.append((sw, "switch", d2[0], d2[1], "no response after 8 weeks at target dose"))
        weeks = max(weeks, 20)
    else:  # relapse after stopping treatment
        stop = int(rng.integers(14, 22))
        segs = [(0, rng.uniform(3, 6), 4.0), (stop + 3, rng.uniform(14, 19), 3.0)]
        meds.append((stop, "stop", d1[0], 0, "patient chose to stop after feeling well"))
        weeks = max(weeks, stop + 14)
    return Plan(archetype, weeks, start, segs, meds, isi=bool(rng.random() < 0.33))


def story_plans() -> list[tuple[str, str, Plan]]:
    """The docs/ux.md demo stories (fixed names so the README can refer to them)."""
    return [
        ("Alex", "Example", Plan("responder", 14, 19, [(0, 4, 3.5)],
                                  [(0, "start", "sertraline", 50, "first episode, moderate depression"),
                                   (2, "titrate", "sertraline", 100, "tolerating well; increase to target dose")])),
        ("Sam", "Sample", Plan("partial", 26, 20, [(0, 12, 3.5), (12, 5, 4.5)],
                                [(0, "start", "escitalopram", 10, "first-line treatment"),
                                 (4, "titrate", "escitalopram", 20, "partial early improvement"),
                                 (12, "switch", "vortioxetine", 10, "partial response; cognitive complaints")])),
        ("Jordan", "Testcase", Plan("responder", 10, 17, [(0, 7, 5.0)],
                                     [(0, "start", "escitalopram", 10, "first-line; dizziness at week 1 noted")],
                                     cyp2c19=MetaboliserPhenotype.POOR.value)),
        ("Taylor", "Placeholder", Plan("nonresponder", 12, 21, [(0, 18, 4.0)],
                                        [(0, "start", "sertraline", 50, "first-line treatment"),
                                         (4, "titrate", "sertraline", 150, "no improvement at 50 mg")],
                                        item9_final=2)),
        ("Morgan", "Mockridge", Plan("relapse", 40, 18, [(0, 4, 4.0), (27, 17, 3.0)],
                                      [(0, "start", "fluoxetine", 20, "first-line treatment"),
                                       (24, "stop", "fluoxetine", 0, "patient chose to stop after feeling well")])),
        ("Casey", "Fakeley", Plan("partial", 20, 18, [(0, 9, 4.0)],
                                   [(0, "start", "bupropion", 150, "low energy and hypersomnia prominent")],
                                   wearables=True, isi=True)),
    ]


def symptom_profile(rng: np.random.Generator, n: int, item9: bool) -> np.ndarray:
    w = rng.uniform(0.5, 1.5, n)
    if item9:
        w[8] = 0.0  # PHQ-9 item 9 is set explicitly for the item-9 story only
    return w
