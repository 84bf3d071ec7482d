"""Text still being typed reaches the server: a drafted text box is committed after a pause in typing and when the
page is hidden or left (docs/ux.md §5, "Nothing typed is lost").

Streamlit sends a text box's value to the server only when the box is left (blur) or on Ctrl+Enter (Enter in a
one-line box). Until then the text is in the browser only, so a reload, a closed tab or a crash in mid-sentence lost
it: the draft store (``services.drafts``) never heard of it. This installs one small script in the app's own page
(``st.html`` with JavaScript allowed: the content is fixed here, never user text; the CSP allows inline scripts, which
Streamlit needs). For the text boxes of drafted forms only (the fields' keys are registered by
:func:`keep_typing`; never a box inside an ``st.form``, never a password), it:

* after :data:`PAUSE_MS` without a keystroke in the focused box, and
* when the page is being left or hidden (``beforeunload``: a reload, another address, closing the tab;
  ``visibilitychange`` to hidden; ``pagehide``). ``beforeunload`` matters: Streamlit sends a committed value from a
  timer, which still runs while the browser fetches the next page, but no longer once ``pagehide`` fires,

dispatches the key press Streamlit's own text box commits on (Ctrl+Enter, ``keydown`` on the box). Streamlit then
sends the value, the field's ``on_change`` stores the draft, and nothing else changes: the box keeps focus, the caret
and selection stay where they were, and the text typed meanwhile stays (Streamlit does not overwrite a box being
edited; and the page's layout no longer moves between runs, which made the browser draw a box anew and drop its
focus: components/shared/auth.py, app.py, ``form_state.draft_restored_notice``). Not while an input method is
composing a character. Nothing is stored in the browser (no localStorage:
drafts hold PHI and stay server-side, encrypted).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import streamlit as st

#: Milliseconds without a keystroke after which the focused drafted box is committed.
PAUSE_MS = 1500

_SCRIPT = """
(function (keys, pauseMs) {
  var w = window;
  w.__novamindDraftKeys = w.__novamindDraftKeys || {};
  keys.forEach(function (k) { w.__novamindDraftKeys['st-key-' + k] = true; });
  if (w.__novamindKeepTyping) { return; }
  w.__novamindKeepTyping = true;
  var timer = null, composing = false;
  function drafted(el) {
    if (!el || !el.closest) { return false; }
    var textBox = el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && (el.type === 'text' || el.type === 'search'));
    if (!textBox || el.disabled || el.readOnly) { return false; }
    if (!el.closest('[data-testid="stTextArea"],[data-testid="stTextInput"]')) { return false; }
    if (el.closest('[data-testid="stForm"]')) { return false; }
    for (var node = el.parentElement; node; node = node.parentElement) {
      for (var i = 0; i < node.classList.length; i++) {
        if (w.__novamindDraftKeys[node.classList[i]]) { return true; }
      }
    }
    return false;
  }
  function commit(el) {
    if (composing || !drafted(el)) { return; }
    el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', ctrlKey: true, bubbles: true,
                                                   cancelable: true}));
  }
  function commitFocused() {
    clearTimeout(timer);
    commit(document.activeElement);
  }
  document.addEventListener('input', function (event) {
    var el = event.target;
    if (!drafted(el)) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { if (document.activeElement === el) { commit(el); } }, pauseMs);
  }, true);
  document.addEventListener('compositionstart', function () { composing = true; }, true);
  document.addEventListener('compositionend', function () { composing = false; }, true);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') { commitFocused(); }
  });
  w.addEventListener('beforeunload', commitFocused);
  w.addEventListener('pagehide', commitFocused);
})(%s, %d);
"""

_HIDDEN = "<style>[class*='st-key-nm_keep_typing_']{display:none!important}</style>"


def keep_typing(name: str, keys: Iterable[str]) -> None:
    """Register the text boxes with these session keys as drafted and install the commit script in this browser tab
    (once; a hidden element named ``name``, drawn where the form is)."""
    body = _HIDDEN + "<script>" + _SCRIPT % (json.dumps(sorted(keys)), PAUSE_MS) + "</script>"
    with st.container(key=f"nm_keep_typing_{name}"):
        st.html(body, unsafe_allow_javascript=True)  # text-safe: the code's own script; the keys are code-made
