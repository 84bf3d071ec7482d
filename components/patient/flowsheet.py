"""The flowsheet and trajectory of any instrument (chart, Questionnaires tab).

Choose an instrument the patient has scores on: its trajectory (the chart's trajectory figure, one panel) and its
flowsheet (every item's answer per date, one column per date, total and band last; the domain's
:func:`~novamind_core.domain.flowsheet.flowsheet`). Data come from the chart's one view call; nothing is read here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.patient.charts import trajectory_figure
from components.shared.theme import format_date
from novamind_core.domain.flowsheet import flowsheet, instruments_with_data
from novamind_core.domain.records import AssessmentRecord

INSTRUMENT_KEY = "nm_flowsheet_instrument"


def flowsheet_frame(records: Sequence[AssessmentRecord], instrument: str) -> tuple[pd.DataFrame, str | None]:
    """The flowsheet as a table: an ``Item`` column, then one column per date (``12 Mar 2026``)."""
    sheet = flowsheet(records, instrument)
    columns = [format_date(d) for d in sheet.dates]
    frame = pd.DataFrame([{"Item": row.label, **{c: ("" if v is None else str(v)) for c, v in
                                                 zip(columns, row.values, strict=True)}} for row in sheet.rows])
    return frame, sheet.note


def flowsheet_section(records: Sequence[AssessmentRecord]) -> None:
    """Instrument choice, its trajectory and its flowsheet."""
    st.markdown("**Flowsheet and trajectory**")
    available = [i.value for i in instruments_with_data(records)]
    if not available:
        st.caption("No scores yet: the flowsheet fills in as questionnaires are completed.")
        return
    default = "PHQ-9" if "PHQ-9" in available else available[0]
    if st.session_state.get(INSTRUMENT_KEY) not in available:
        st.session_state[INSTRUMENT_KEY] = default
    chosen = st.selectbox("Questionnaire", available, key=INSTRUMENT_KEY)
    st.plotly_chart(trajectory_figure(records, (), instruments=(chosen,)), key="nm_flowsheet_trajectory",
                    config={"displaylogo": False})
    frame, note = flowsheet_frame(records, chosen)
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"Item": st.column_config.TextColumn("Item", width="large", pinned=True)})
    st.caption("One column per date, oldest first; answers are the item scores, the total and band last."
               + (f" {note}" if note else ""))  # text-safe: the flowsheet's own footnote
