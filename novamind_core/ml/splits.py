"""Grouped train/validation/test splits with a leakage guard.

Rows from one patient (several treatment courses, several weeks) are correlated: a split by row lets the model
see a test patient during training and overstates accuracy (Chekroud et al. 2016 reached about 60-65% out of
sample; docs/science.md §9). Every split here assigns whole *groups* (patients) to exactly one part, and
:func:`assert_no_leakage` refuses a split in which a group appears in more than one part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from novamind_core.domain.errors import NovamindError


class LeakageError(NovamindError):
    """A patient (group) appears in more than one of train, validation and test."""


@dataclass(frozen=True)
class GroupedSplit:
    """Row indices of each part; every group's rows lie in exactly one part."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict:
        return {"train": int(self.train.size), "validation": int(self.validation.size), "test": int(self.test.size)}


def assert_no_leakage(groups: np.ndarray, split: GroupedSplit) -> None:
    """Raise :class:`LeakageError` naming the first shared group if any group spans two parts."""
    g = np.asarray(groups)
    parts = {"train": split.train, "validation": split.validation, "test": split.test}
    seen = {name: set(np.unique(g[idx]).tolist()) for name, idx in parts.items()}
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = seen[a] & seen[b]
            if shared:
                example = sorted(shared, key=str)[0]
                raise LeakageError(f"patient {example!r} appears in both {a} and {b} "
                                   f"({len(shared)} shared patient(s)): split by patient, not by row")
    all_idx = np.concatenate([split.train, split.validation, split.test])
    if np.unique(all_idx).size != all_idx.size:
        raise LeakageError("a row appears in more than one split")


def grouped_split(groups: np.ndarray, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                  random_state: int | np.random.Generator = 0) -> GroupedSplit:
    """Assign whole groups at random to train/validation/test in the given fractions (of groups, not rows).

    Parameters
    ----------
    groups : array (n_rows,)
        Patient identifier of each row.
    fractions : (train, validation, test)
        Fractions of patients; they must sum to 1.
    random_state : int or numpy.random.Generator
        Seed of the permutation of patients.
    """
    if abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
    g = np.asarray(groups)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    uniq, inverse = np.unique(g, return_inverse=True)
    perm = rng.permutation(uniq.size)
    n_train = int(round(fractions[0] * uniq.size))
    n_val = int(round(fractions[1] * uniq.size))
    part_of_group = np.empty(uniq.size, np.int8)
    part_of_group[perm[:n_train]] = 0
    part_of_group[perm[n_train:n_train + n_val]] = 1
    part_of_group[perm[n_train + n_val:]] = 2
    part = part_of_group[inverse]
    split = GroupedSplit(np.flatnonzero(part == 0), np.flatnonzero(part == 1), np.flatnonzero(part == 2))
    assert_no_leakage(g, split)
    return split
