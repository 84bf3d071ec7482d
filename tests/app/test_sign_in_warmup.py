"""The sign-in page starts the next pages' scripts while the user types (components/shared/warmup.py).

In a real script run of the signed-out navigation: the form is drawn first, then one hidden, disabled, empty set of
the caseload's components and an empty Plotly figure, so the browser loads their JavaScript before the caseload and
the first chart need it (measured in docs/load.md). Nothing in it carries data, and nothing is shown.
"""

from __future__ import annotations

import json


def signed_out_script() -> None:
    import streamlit as st

    from components.shared.auth import sign_in_pages
    from components.shared.session import get_services, init_session_state

    init_session_state()
    st.navigation(sign_in_pages(get_services(), [])).run()


def _signed_out(seeded):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    return AppTest.from_function(signed_out_script, default_timeout=30).run()


def test_the_sign_in_page_draws_the_form_before_the_hidden_warm_up(seeded):
    at = _signed_out(seeded)
    assert not at.exception
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "one warm-up figure, and no other chart on the sign-in page"
    css = [m.value for m in at.markdown if ".st-key-nm_chart_warmup" in m.value]
    assert css and "display: none" in css[0]


def test_the_warm_up_holds_no_data_and_no_usable_control(seeded):
    at = _signed_out(seeded)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure.get("data", []) == []
    warm = [w for w in (*at.selectbox, *at.multiselect, *at.checkbox) if w.key and w.key.startswith("nm_chart_warmup")]
    assert len(warm) == 3 and all(w.disabled for w in warm)
    assert all(w.value in (None, [], False) for w in warm)
