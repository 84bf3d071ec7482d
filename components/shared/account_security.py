"""Account security on screen: changing one's own password (which ends every other session of the account) and the
TOTP second factor: the one-time enrolment panel (secret, QR code when a QR library is installed, recovery codes) and
the Preferences section where a signed-in user sets it up or sees that it is on."""

from __future__ import annotations

import streamlit as st

from components.shared.text import plain
from novamind_core.bootstrap import Services
from novamind_core.domain.errors import NovamindError
from novamind_core.domain.users import User

ENROLMENT_KEY = "nm_totp_enrolment"  # (secret, uri, recovery codes) shown once in Preferences


def _qr_svg(uri: str) -> str | None:
    """An SVG QR code of ``uri`` (segno, pure Python); None when segno is missing (the key is still shown)."""
    try:
        import io

        import segno
    except ImportError:
        return None
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def show_enrolment(secret: str, uri: str, recovery_codes: tuple[str, ...]) -> None:
    """The secret and recovery codes, shown once: the user adds the account to an authenticator app."""
    st.markdown("**Set up your authenticator app**")
    st.caption("Add an account in your authenticator app (Microsoft or Google Authenticator, FreeOTP) with this "
               "key, then type the 6-digit code it shows. This key and these recovery codes are shown only now.")
    svg = _qr_svg(uri)
    if svg is not None:
        st.image(svg, caption="Scan with your authenticator app", width=200)
    st.code(" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), language=None)
    st.caption("Recovery codes (each works once if you lose your phone); keep them somewhere safe:")
    st.code("\n".join(recovery_codes), language=None)


def render_totp_settings(services: Services, user: User) -> None:
    """Preferences: set up the second factor (optional for clinicians and analysts, required for admins)."""
    st.subheader("Second sign-in step (authenticator app)")
    if services.users.second_factor_enabled(user):
        st.success("On: you sign in with your password and a code from your authenticator app. An administrator "
                   "can reset it if you lose your phone.", icon=":material/verified_user:")
        return
    shown = st.session_state.get(ENROLMENT_KEY)
    if shown is None:
        st.caption("Off. Turning it on protects your account if your password is guessed or stolen.")
        if st.button("Set up an authenticator app", key="nm_totp_start"):
            try:
                e = services.users.start_totp_enrolment(user)
            except NovamindError as exc:
                st.error(plain(exc), icon=":material/error:")
                return
            st.session_state[ENROLMENT_KEY] = (e.secret, e.uri, e.recovery_codes)
            st.rerun()
        return
    show_enrolment(*shown)
    with st.form("nm_totp_confirm", clear_on_submit=True):
        code = st.text_input("Code from the app", max_chars=8)
        if st.form_submit_button("Turn on"):
            try:
                services.users.confirm_totp_enrolment(user, code)
            except NovamindError as exc:
                st.error(plain(exc), icon=":material/error:")
            else:
                st.session_state[ENROLMENT_KEY] = None
                st.rerun()


def render_account_security(services: Services, user: User) -> None:
    """Preferences: change my password (other sessions end), then the second factor."""
    from components.shared.session import StateKeys

    st.header("Sign-in and security")
    with st.form("nm_change_password", clear_on_submit=True):
        st.subheader("Change my password")
        current = st.text_input("Current password", type="password", key="nm_pw_current")
        new = st.text_input("New password", type="password", key="nm_pw_new",
                            help="At least 12 characters; not your username or a demo password.")
        again = st.text_input("New password again", type="password", key="nm_pw_again")
        if st.form_submit_button("Change password", icon=":material/key:"):
            if new != again:
                st.error("The two new passwords differ.", icon=":material/error:")
            else:
                try:
                    services.users.change_password(user, current, new,
                                                   keep_session_id=st.session_state.get(StateKeys.SESSION_ID))
                except NovamindError as exc:
                    st.error(plain(str(exc)[:1].upper() + str(exc)[1:] + "."), icon=":material/error:")
                else:
                    st.success("Password changed. Every other session of your account has been signed out.",
                               icon=":material/check_circle:")
    render_totp_settings(services, user)
