"""The patient's questionnaire page on a phone: first paint through the real server in headless Chromium, warm.

A patient opens their link (``/questionnaire?t=...``) on a 390x844 viewport; the figure is the time from navigation to
the date-of-birth question being visible (the first thing the page asks), in a fresh browser context each time (a new
visitor), after one warm-up open (server imports and first queries done). Baseline, in the same run on the same server
and viewport: the sign-in page's first paint (navigation to the Username field visible), the lightest page the app
serves. Every link is a real request created through ``services.reporting.create_request``.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

OPENS = 5
PHONE = {"width": 390, "height": 844}


def _first_paint(browser, url: str, ready) -> float:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url)
        ready(page).wait_for(timeout=60_000)
        return time.perf_counter() - started
    finally:
        context.close()


def run(quick: bool = False) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from tests.app import ui_cohort as ui
    from tests.browser_support import running_app

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("Debian chromium is not installed (apt-get install chromium)")
    folder = Path(tempfile.mkdtemp(prefix="nm-phone-"))
    env = ui.environment_for(folder)
    services = ui.build_services_from_environment(env)
    cohort = ui.seed_cohort(services)
    clinician = services.users.get_by_username(ui.CLINICIAN)
    opens = 3 if quick else OPENS
    link = lambda: services.reporting.create_request(clinician, cohort.responder_id, "PHQ-9").token  # noqa: E731
    dob = lambda page: page.get_by_text("confirm your date of birth")  # noqa: E731
    username = lambda page: page.get_by_role("textbox", name="Username")  # noqa: E731
    try:
        with running_app(env, folder / "streamlit.log") as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox",
                                                                          "--disable-gpu", "--disable-dev-shm-usage"])
            _first_paint(browser, f"{url}/questionnaire?t={link()}", dob)  # warm-up
            _first_paint(browser, url, username)
            patient = [_first_paint(browser, f"{url}/questionnaire?t={link()}", dob) for _ in range(opens)]
            sign_in = [_first_paint(browser, url, username) for _ in range(opens)]
            browser.close()
    finally:
        services.close()
    p, s = statistics.median(patient), statistics.median(sign_in)
    return [{
        "name": "patient questionnaire first paint on a 390x844 phone, warm (median; ratio vs the sign-in page)",
        "value": round(p, 3), "unit": "s", "baseline_name": "sign-in page first paint, same server and viewport",
        "baseline_value": round(s, 3), "ratio": round(p / s, 2), "target": "figure reported (no target set)",
        "notes": f"{opens} opens each, fresh browser context per open; max {max(patient):.2f} s",
    }]


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
