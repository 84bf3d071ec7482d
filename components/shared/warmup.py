"""Start the chart library in the browser while the user is still signing in.

Streamlit loads Plotly's JavaScript (a ~4.7 MB chunk) the first time a page of the tab draws a Plotly figure, and
starting it costs the browser about a second of CPU (docs/load.md, "Pages in a real browser"). Drawn on the
caseload, it competed with the caseload's own first paint; drawn here, at the foot of the sign-in page and hidden,
it loads while the user types their name and password, so neither the caseload nor the first chart waits for it.
The caseload's own components (filters, table, patient chooser) are warmed the same way (about 0.3 s of their
script loading moved off the sign-in's critical path). Everything here is empty (no data of any kind), disabled,
hidden with CSS (``display: none``, so not announced to screen readers) and drawn after the form.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

WARMUP_KEY = "nm_chart_warmup"

_CSS = f"<style>.st-key-{WARMUP_KEY} {{display: none;}}</style>"


def warm_up_charts() -> None:
    """A hidden, empty Plotly figure (call it last on a page, so the page's own elements load first)."""
    st.markdown(_CSS, unsafe_allow_html=True)
    with st.container(key=WARMUP_KEY):
        # the caseload's components (filters, table, patient chooser): their scripts load now, not after sign-in
        st.multiselect("warm-up", [""], key=f"{WARMUP_KEY}_multi", disabled=True, label_visibility="collapsed")
        st.selectbox("warm-up", [""], index=None, key=f"{WARMUP_KEY}_select", disabled=True,
                     label_visibility="collapsed")
        st.checkbox("warm-up", key=f"{WARMUP_KEY}_check", disabled=True, label_visibility="collapsed")
        st.dataframe({"": [""]}, key=f"{WARMUP_KEY}_table", hide_index=True)
        st.plotly_chart(go.Figure(layout=dict(height=20, width=20, margin=dict(l=0, r=0, t=0, b=0))),
                        key=f"{WARMUP_KEY}_figure", config={"staticPlot": True, "displayModeBar": False})
