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
# (username, password, [(page path, file name, viewport height, text to wait for)])
TOURS = [
    ("demo.clinician", "demo-clinician-2024", [
        ("caseload", "demo-caseload", 1100, "Caseload"),
        ("patient", "demo-patient", 2300, "Symptom scores over time"),
        ("twin_state", "demo-twin-state", 2200, "Digital twin"),
        ("timelines", "demo-timelines", 1900, "Neurotransmitter"),
        ("simulation", "demo-simulation", 1400, "Treatment simulation"),
        ("data_import", "demo-data-import", 1100, "import"),
    ]),
    ("demo.analyst", "demo-analyst-2024", [
        ("cohort", "demo-cohort", 1900, "ohort"),
        ("models", "demo-models", 1900, "odel"),
    ]),
    ("demo.admin", "demo-admin-2024", [("admin", "demo-admin", 1300, "dmin")]),
]


def wait_idle(page: Page) -> None:
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=90_000)
    page.wait_for_timeout(800)


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--patient-mrn", default=None, help="MRN to open on the patient pages (default: first row)")
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
            for path, name, height, marker in pages:
                query = f"?mrn={args.patient_mrn}" if args.patient_mrn and path in ("patient",) else ""
                page.goto(f"{args.url}/{path}{query}")
                wait_idle(page)
                page.get_by_text(marker).first.wait_for(state="attached")
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
