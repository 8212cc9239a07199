"""A minimal client for an OpenAI-compatible chat endpoint (POST {url}/chat/completions).

Used only when JOBELIX_LLM_URL is set; everything it answers has a rule-based
fallback, so a missing or failing model never stops an application.

On the user's machine the model is theirs (often on loopback) and is used as
configured. Inside the Jobelix server (``bot.applier.browser_apply`` on a Celery
worker, where Django is loaded) the URL passes the outgoing-fetch guard
(core/net.py) before each call. Redirects are never followed anywhere: a model
endpoint cannot bounce the request somewhere unchecked.
"""

from __future__ import annotations

import os
import sys

import requests


class LLMError(Exception):
    pass


def _server_side_check(url: str) -> None:
    """Refuse an inside address when running in the server; nothing to check in the bot alone."""
    django_conf = sys.modules.get("django.conf")
    if django_conf is None or not django_conf.settings.configured:
        return
    from core.net import OutgoingAddressRefused, OutgoingPolicy, check_url

    try:
        check_url(url, OutgoingPolicy.from_settings())
    except OutgoingAddressRefused as exc:
        raise LLMError(f"model endpoint refused: {exc}") from exc


class LLMClient:
    def __init__(self, url: str, api_key: str | None = None, model: str = "gpt-4o-mini", timeout: float = 30):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout = timeout

    @classmethod
    def from_env(cls, environ=os.environ) -> LLMClient | None:
        """JOBELIX_LLM_URL (base URL, e.g. http://127.0.0.1:9000/v1), JOBELIX_LLM_KEY, JOBELIX_LLM_MODEL."""
        url = environ.get("JOBELIX_LLM_URL", "").strip()
        if not url:
            return None
        return cls(url, environ.get("JOBELIX_LLM_KEY") or None, environ.get("JOBELIX_LLM_MODEL") or "gpt-4o-mini")

    def chat(self, messages: list[dict], max_tokens: int = 300) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.2}
        url = f"{self.url}/chat/completions"
        _server_side_check(url)
        try:
            response = requests.post(url, json=body, headers=headers, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise LLMError(f"model endpoint unreachable: {exc}") from exc
        if response.status_code != 200:
            raise LLMError(f"model endpoint answered {response.status_code}: {response.text[:200]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"unexpected model response: {response.text[:200]}") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError("the model returned an empty answer")
        return content.strip()
