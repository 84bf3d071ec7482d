"""Screenshots of every main page of a running demo instance, for the README (docs/screenshots/demo-*.png).

Start the app first (``make run``), then: ``.venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8501]``.
Drives Debian's chromium with Playwright (``playwright install`` cannot download browsers here).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (username, password, [(sidebar link, file name, viewport height)]); the first page of a tour is opened by URL, the
# others through the sidebar so the session (and the selected patient) carries over.
TOURS = [
    ("demo.clinician", "demo-clinician-2024", [
        ("/", "demo-caseload", 1100),
        ("open-patient", "demo-patient", 1450),
        ("Twin state", "demo-twin-state", 3000),
        ("Neurotransmitter timelines", "demo-timelines", 1900),
        ("Treatment simulation", "demo-simulation", 1500),
        ("Data import", "demo-data-import", 1100),
    ]),
    ("demo.analyst", "demo-analyst-2024", [("/", "demo-cohort", 2200), ("Models", "demo-models", 1900)]),
    ("demo.admin", "demo-admin-2024", [("/", "demo-admin", 1300)]),
]


def wait_idle(page: Page) -> None:
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=90_000)
    page.wait_for_timeout(800)


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1500)  # the cookie component's first answer reruns the script once after load
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(2000)  # let the sign-in cookie be written before the next full page load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--patient-mrn", default="NM-100001", help="MRN of the patient shown on the patient pages")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("Debian's chromium is needed: apt-get install -y chromium", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for username, password, pages in TOURS:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.set_default_timeout(90_000)
            page = context.new_page()
            sign_in(page, args.url, username, password)
            for link, name, height in pages:
                if link == "/":  # the role's home page (already open after sign-in)
                    pass
                elif link == "open-patient":  # from the caseload, as a clinician would: search, then open
                    search = page.get_by_role("textbox", name="Search by full name, family name or MRN")
                    search.fill(args.patient_mrn)
                    search.press("Enter")
                    wait_idle(page)
                    page.get_by_role("combobox", name="Open a patient").click()
                    page.get_by_role("option", name=args.patient_mrn, exact=False).first.click()
                    page.get_by_role("button", name="Open chart").click()
                    page.locator(".js-plotly-plot .main-svg").first.wait_for()
                else:
                    page.get_by_role("link", name=link).first.click()
                wait_idle(page)
                page.wait_for_timeout(1500)
                wait_idle(page)
                page.set_viewport_size({"width": 1440, "height": height})
                wait_idle(page)
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"saved docs/screenshots/{name}.png")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
