"""What the forms share: the register form's choices (sex at birth, common ICD-10 codes), medication frequencies, and
validation messages next to their fields.

Validation messages sit next to the field they concern: the page stores ``{field: message}`` from the service's
ValidationError under ``errors_key`` and the form shows each under its field on the next run.
"""

from __future__ import annotations

import streamlit as st

from novamind_core.domain.errors import NovamindError

SEX_OPTIONS = ("female", "male", "other", "unknown")
FREQUENCIES = ("daily", "nightly", "twice daily", "three times daily", "weekly", "as needed")
COMMON_DIAGNOSES: dict[str, str] = {
    "F32.0": "Mild depressive episode",
    "F32.1": "Moderate depressive episode",
    "F32.2": "Severe depressive episode without psychotic symptoms",
    "F33.1": "Recurrent depressive disorder, current episode moderate",
    "F41.1": "Generalized anxiety disorder",
    "F31.3": "Bipolar affective disorder, current episode mild or moderate depression",
    "F43.1": "Post-traumatic stress disorder",
    "F51.0": "Nonorganic insomnia",
}
"""ICD-10 codes offered in the register form (WHO ICD-10 2019 titles); any other code can be typed."""


def field_error(errors: dict[str, str], *fields: str) -> None:
    for name in fields:
        if name in errors:
            st.error(errors[name], icon=":material/error:")


def errors_from(exc: NovamindError, default_field: str) -> dict[str, str]:
    """``{field: message}`` for a ValidationError/ConflictError (message first letter capitalised)."""
    message = str(exc)
    return {getattr(exc, "field", None) or default_field: message[:1].upper() + message[1:]}
