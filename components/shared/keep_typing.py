"""Text still being typed is committed when the page is left, so a reload never loses it (docs/ux.md §5).

Streamlit sends a text box's value to the server only when the box is left (blur) or Ctrl+Enter is pressed. A reload,
a closed tab or a navigation in mid-sentence therefore used to lose the sentence: the server, and so the draft store
(``services.drafts``), never heard of it. This installs one small script in the app's page (once per browser tab):
when the page is being hidden or unloaded (``visibilitychange`` to hidden, ``pagehide``, ``beforeunload``) it blurs
the focused text box, which makes Streamlit commit its value over the websocket before the page goes; the server
then runs the page once more and the form's draft is saved as on any other commit. Nothing is stored in the browser
(no localStorage: drafts can hold PHI and stay server-side, encrypted).
"""

from __future__ import annotations

import json

# Runs in the app's own document (inserted as a <script> element there, allowed by the CSP's 'unsafe-inline'
# script-src that Streamlit needs), so it outlives the zero-height frame that delivered it.
_PARENT_SCRIPT = """
(function () {
  if (window.__novamindKeepTyping) { return; }
  window.__novamindKeepTyping = true;
  function commitFocusedBox() {
    var el = document.activeElement;
    if (el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && el.type !== 'password'))) { el.blur(); }
  }
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') { commitFocusedBox(); }
  });
  window.addEventListener('pagehide', commitFocusedBox);
  window.addEventListener('beforeunload', commitFocusedBox);
})();
"""

_FRAME = (
    "<script>(function(){try{var d=window.parent.document;if(window.parent.__novamindKeepTyping){return;}"
    "var s=d.createElement('script');s.textContent=" + json.dumps(_PARENT_SCRIPT) + ";"
    "d.head.appendChild(s);}catch(e){}})();</script>"
)


def keep_typing_on_leave() -> None:
    """Install the commit-on-leave script in this browser tab (a zero-height frame; the same element every run)."""
    from streamlit.components.v1 import html as html_frame

    html_frame(_FRAME, height=0)
