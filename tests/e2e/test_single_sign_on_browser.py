"""Single sign-on in a real browser against a real OpenID Connect provider on loopback.

``tests/oidc/provider.js`` runs the npm package ``oidc-provider`` (installed by ``npm ci`` in tests/oidc; .ci/run does
it when node is present) with one confidential client. The app is configured through a ``secrets.toml`` ``[auth]``
section (Streamlit's ``st.login``, Authlib) and maps the provider's ``groups`` claim to roles. The browser signs in
through the provider's own login and consent pages and must land on the caseload with the mapped role.

Skips with the reason when node, the installed provider or the browser is missing (fails instead when
``NOVAMIND_REQUIRE_OIDC=1``, as .ci/run sets after installing the provider).
"""

from __future__ import annotations

import json
import secrets
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import REPO_ROOT, seeded_app, serving, skip_or_fail

pytestmark = pytest.mark.browser

PROVIDER_PORT = 8821
APP_PORT = 8822
ISSUER = f"http://127.0.0.1:{PROVIDER_PORT}"
OIDC_DIR = REPO_ROOT / "tests" / "oidc"


def _require_provider() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is absent (apt-get install -y nodejs npm)"
    elif not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        missing = "tests/oidc has no oidc-provider package (cd tests/oidc && npm ci)"
    skip_or_fail(missing, require_env="NOVAMIND_REQUIRE_OIDC", required="single sign-on test required",
                 skipped="single sign-on browser test skipped")
    return node  # type: ignore[return-value]


def _issuer_answers() -> bool:
    with urllib.request.urlopen(f"{ISSUER}/.well-known/openid-configuration", timeout=2) as r:
        return json.load(r)["issuer"] == ISSUER


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    node = _require_provider()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with serving([node, "provider.js", str(PROVIDER_PORT), f"http://127.0.0.1:{APP_PORT}/oauth2callback"],
                 log=log, cwd=OIDC_DIR, ready=_issuer_answers, what="the OpenID provider", timeout_s=30):
        yield ISSUER


def write_secrets(path: Path) -> Path:
    path.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{APP_PORT}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"

[auth.hospital]
client_id = "novamind-test"
client_secret = "novamind-test-secret"
server_metadata_url = "{ISSUER}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid profile email", prompt = "login", code_challenge_method = "S256" }}
""")
    return path


@pytest.fixture(scope="module")
def sso_app(chromium_path: str, provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    secrets_file = write_secrets(tmp_path_factory.mktemp("sso-secrets") / "secrets.toml")
    metrics_dir = tmp_path_factory.mktemp("sso-metrics")
    env = {"NOVAMIND_SSO_ROLE_MAP": json.dumps({"nm-clinicians": "clinician"}),
           "NOVAMIND_METRICS_DIR": str(metrics_dir)}
    with seeded_app(tmp_path_factory, "sso", env, ("--secrets.files", str(secrets_file)), port=APP_PORT) as app:
        yield {**app, "metrics_dir": metrics_dir}


def sign_in_with_the_organisation(page, url: str, login: str) -> None:  # type: ignore[no-untyped-def]
    """From the app's sign-in page through the provider's login and consent pages and back."""
    page.goto(url)
    page.get_by_role("button", name="Sign in with your organisation").click(timeout=60_000)  # first run: slow
    page.wait_for_url(f"{ISSUER}/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the development login accepts it")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent page
    page.wait_for_url(f"{url}/**")


def audit_rows(services, action: str) -> list:  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    return services.audit.query(SYSTEM_USER, action=action)


def test_a_clinician_signs_in_through_the_organisation_and_lands_on_the_caseload_as_a_clinician(sso_app, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        sign_in_with_the_organisation(page, sso_app["url"], "jane.doe")
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.locator("p").filter(has_text="Jane Doe").filter(has_text="Clinician").wait_for()  # name, role
        page.wait_for_url("**/caseload**")
    finally:
        context.close()
    signed_in = [e for e in audit_rows(sso_app["services"], "auth.sign_in") if "sso issuer=" in e.detail]
    assert signed_in and signed_in[-1].username == "jane.doe"
    assert f"sso issuer={ISSUER}" in signed_in[-1].detail
    # the app process recorded the page's latency for the metrics endpoint (novamind_core/observability)
    from novamind_core.observability.metrics import read_page_latency

    assert sum(c.count for c in read_page_latency(sso_app["metrics_dir"]).values()) >= 1


def test_a_copied_identity_cookie_opens_nothing_after_sign_out(sso_app, browser):
    first = browser.new_context(viewport={"width": 1440, "height": 1000})
    first.set_default_timeout(30_000)
    try:
        page = first.new_page()
        sign_in_with_the_organisation(page, sso_app["url"], "jane.doe")
        page.get_by_test_id("stSidebar").get_by_text("Jane Doe").wait_for()
        copied = first.cookies()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in with your organisation").wait_for()
    finally:
        first.close()
    intruder = browser.new_context(viewport={"width": 1440, "height": 1000})
    intruder.set_default_timeout(30_000)
    try:
        intruder.add_cookies(copied)
        page = intruder.new_page()
        page.goto(sso_app["url"] + "/caseload")
        page.get_by_role("button", name="Sign in with your organisation").wait_for()
        assert page.get_by_test_id("stSidebar").get_by_text("Jane Doe").count() == 0
    finally:
        intruder.close()


def test_a_new_person_without_a_mapped_group_is_told_an_administrator_must_assign_a_role(sso_app, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        sign_in_with_the_organisation(page, sso_app["url"], "new.starter")
        page.get_by_text("an administrator has not given it a role").wait_for()
        assert page.get_by_test_id("stSidebar").get_by_text("New Starter").count() == 0
    finally:
        context.close()
    created = sso_app["services"].users.get_by_username("new.starter")
    assert created is not None and not created.active
