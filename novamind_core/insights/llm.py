"""Optional OpenAI-compatible provider (e.g. a locally served MentaLLaMA): off by default, PHI redacted first.

The provider never sees the inputs themselves: it gets the offline summary's *facts* rewritten with relative
times (weeks), no name and no MRN, and the whole request text passes through
:func:`novamind_core.security.redaction.redact` (with the patient's name and MRN registered as sensitive terms)
before it leaves the process. It POSTs ``{"model", "messages", "temperature": 0}`` to ``<url>/chat/completions``
(OpenAI chat-completions format) with ``urllib`` and a timeout. Any timeout, connection error, HTTP error or
malformed answer raises :class:`ProviderError`; :func:`novamind_core.insights.generate_insight` then falls back to
the offline text with a notice. MentaLLaMA (Yang et al. 2024) is a research model trained on social-media text
(docs/science.md §9): its text is shown as a draft to check against the numbers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from novamind_core.domain.errors import NovamindError
from novamind_core.insights.inputs import TwinInsightInput
from novamind_core.insights.offline import Insight, OfflineInsightProvider
from novamind_core.security.redaction import redact, register_sensitive_terms

SYSTEM_PROMPT = ("You are assisting a psychiatrist. Rewrite the facts below as a short, plain clinical summary in "
                 "four paragraphs (what changed, medications, what the models predict, how sure). Keep every "
                 "number exactly; add no facts, no diagnosis and no treatment advice.")
MAX_ANSWER_CHARS = 6000


class ProviderError(NovamindError):
    """The external provider did not give a usable answer (timeout, HTTP error, malformed JSON)."""


def redacted_facts(inp: TwinInsightInput) -> str:
    """The offline summary as text, with the patient's identifiers registered and everything redacted."""
    register_sensitive_terms([inp.patient_name, inp.mrn])
    offline = OfflineInsightProvider().summarise(inp)
    return redact(offline.text)


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


class OpenAICompatibleProvider:
    """POSTs redacted facts to an OpenAI-compatible chat endpoint; returns its text as an :class:`Insight`."""

    name = "openai-compatible"

    def __init__(self, url: str, model: str, timeout_s: float = 10.0, api_key: str | None = None) -> None:
        self.url = endpoint(url)
        self.model = model
        self.timeout_s = float(timeout_s)
        self.api_key = api_key

    def request_body(self, inp: TwinInsightInput) -> bytes:
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                             {"role": "user", "content": redacted_facts(inp)}]}
        text = json.dumps(body)
        return redact(text).encode("utf-8")  # defence in depth: the whole payload passes redaction too

    def summarise(self, inp: TwinInsightInput) -> Insight:
        data = self.request_body(inp)
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                raw = resp.read(1_000_000)
        except TimeoutError as exc:
            raise ProviderError(f"no answer within {self.timeout_s:g} s") from exc
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"HTTP {exc.code} from the provider") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ProviderError(f"no answer within {self.timeout_s:g} s") from exc
            raise ProviderError(f"cannot reach the provider ({reason})") from exc
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the provider's answer is not an OpenAI-style chat completion") from exc
        if not isinstance(content, str) or not content.strip():
            raise ProviderError("the provider returned an empty answer")
        text = content.strip()[:MAX_ANSWER_CHARS]
        return Insight((("Summary", text),), f"{self.name}:{self.model}",
                       (f"Drafted by the language model '{self.model}' from redacted data; check every number "
                        "against the chart.",))
