"""What the ATS form replicas share: the received-application record, multipart parsing, the place
list behind every location typeahead, the captcha stand-ins, a react-select-like combobox script and
the replica base class serving through devtools.loopback.LoopbackServer."""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from devtools.loopback import LoopbackServer, Reply, Request

esc = html.escape


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Submission:
    """One application as the replica received it: raw form fields, files, and the answers decoded to
    what the candidate saw (question label -> option label(s), text, or the file's name)."""

    fields: dict[str, list[str]]
    files: dict[str, Upload]
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field -> message, for refused ones

    def value(self, name: str, default: str = "") -> str:
        values = self.fields.get(name) or [default]
        return values[0]


def parse_form(request: Request) -> tuple[dict[str, list[str]], dict[str, Upload]]:
    """The fields and files of a multipart or urlencoded POST."""
    content_type = request.headers.get("Content-Type") or request.headers.get("content-type") or ""
    if content_type.startswith("multipart/form-data"):
        return parse_multipart(content_type, request.body)
    return parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True), {}


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, Upload]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    fields: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if filename or data:  # an empty file input sends a part with no name and no bytes
                files[str(name)] = Upload(filename, part.get_content_type(), data)
            continue
        fields.setdefault(str(name), []).append(data.decode("utf-8", "replace"))
    return fields, files


PLACES: list[dict[str, Any]] = [
    {"city": "Berlin", "region": "Berlin", "region_code": "BE", "country": "Germany", "country_code": "DEU",
     "lat": 52.52, "lon": 13.405},
    {"city": "Berlin", "region": "New Hampshire", "region_code": "NH", "country": "United States",
     "country_code": "USA", "lat": 44.4687, "lon": -71.1851},
    {"city": "Bern", "region": "Bern", "region_code": "BE", "country": "Switzerland", "country_code": "CHE",
     "lat": 46.948, "lon": 7.4474},
    {"city": "Hamburg", "region": "Hamburg", "region_code": "HH", "country": "Germany", "country_code": "DEU",
     "lat": 53.5511, "lon": 9.9937},
    {"city": "London", "region": "England", "region_code": "ENG", "country": "United Kingdom",
     "country_code": "GBR", "lat": 51.5072, "lon": -0.1276},
    {"city": "Munich", "region": "Bavaria", "region_code": "BY", "country": "Germany", "country_code": "DEU",
     "lat": 48.1351, "lon": 11.582},
    {"city": "Toronto", "region": "Ontario", "region_code": "ON", "country": "Canada", "country_code": "CAN",
     "lat": 43.6532, "lon": -79.3832},
]


def find_places(term: str, limit: int = 5) -> list[dict]:
    """Places whose city starts with the typed text (the first word of it), in list order."""
    text = (term or "").strip().lower().split(",")[0].strip()
    if not text:
        return []
    return [p for p in PLACES if p["city"].lower().startswith(text)][:limit]


# -- captcha stand-ins (what the real widgets put on a page: an iframe from the captcha's host) ------

def recaptcha_checkbox() -> str:
    return ('<div class="g-recaptcha" data-sitekey="replica-site-key"><iframe title="reCAPTCHA" width="304" height="78" '
            'src="/recaptcha/api2/anchor?k=replica-site-key&amp;size=normal" style="border:0"></iframe></div>')


def recaptcha_badge() -> str:
    """The invisible reCAPTCHA badge every Greenhouse board carries: not a challenge."""
    return ('<div class="grecaptcha-badge" style="position:fixed;right:0;bottom:14px;width:256px;height:60px">'
            '<iframe title="reCAPTCHA" width="256" height="60" style="border:0" '
            'src="/recaptcha/api2/anchor?k=replica-site-key&amp;size=invisible"></iframe></div>')


def recaptcha_challenge() -> str:
    return ('<div style="position:fixed;left:20px;top:20px;z-index:10"><iframe title="recaptcha challenge expires in two '
            'minutes" width="400" height="580" src="/recaptcha/api2/bframe?k=replica-site-key"></iframe></div>')


def hcaptcha_challenge() -> str:
    return ('<div style="position:fixed;left:20px;top:20px;z-index:10"><iframe title="Main content of the hCaptcha '
            'challenge" width="400" height="580" src="/hcaptcha/challenge.html#frame=challenge"></iframe></div>')


def turnstile_widget() -> str:
    return ('<div class="cf-turnstile" data-sitekey="replica-site-key"><iframe title="Widget containing a Cloudflare '
            'security challenge" width="300" height="65" style="border:0" '
            'src="/cdn-cgi/challenge-platform/turnstile/if/ov2/av0/rcv0/0/replica/light/normal"></iframe></div>')


def captcha_frame_page(path: str) -> Reply | None:
    """The documents those iframes load (on the replica's own host)."""
    if path.startswith("/recaptcha/api2/"):
        return Reply.html('<!doctype html><label><input type="checkbox"> I\'m not a robot</label><p>reCAPTCHA</p>')
    if path.startswith("/hcaptcha/"):
        return Reply.html("<!doctype html><p>Please click each image containing a bicycle</p><p>hCaptcha</p>")
    if path.startswith("/cdn-cgi/challenge-platform/"):
        return Reply.html('<!doctype html><label><input type="checkbox"> Verify you are human</label>')
    return None


# -- a combobox like react-select (select-like or async search), shared by the replicas' pages --------
# Replica-internal data-rs-* attributes drive it; the adapters see only what a board shows: an input
# with role=combobox whose aria-controls names a role=listbox of role=option while it is open.

COMBOBOX_JS = r"""
(() => {
  for (const box of document.querySelectorAll('[data-rs]')) {
    const input = box.querySelector('[role=combobox]'), menu = box.querySelector('[data-rs-menu]');
    const list = menu.querySelector('[role=listbox]'), hidden = box.querySelector('[data-rs-hidden]');
    const shown = box.querySelector('[data-rs-value]'), chips = box.querySelector('[data-rs-chips]');
    const placeholder = box.querySelector('[data-rs-placeholder]');
    const mode = box.dataset.rsMode, name = box.dataset.rsName;
    let timer = null;
    const options = () => [...list.querySelectorAll('[role=option]')];
    const open = () => { menu.hidden = false; input.setAttribute('aria-expanded', 'true'); input.setAttribute('aria-controls', list.id); };
    const close = () => { menu.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-controls'); };
    const filter = () => { const q = input.value.trim().toLowerCase();
      options().forEach(o => { o.hidden = !!q && !o.textContent.toLowerCase().includes(q); }); };
    const setHidden = values => { for (const [k, v] of Object.entries(values)) {
      let h = [...hidden.querySelectorAll('input')].find(x => x.name === k);
      if (!h) { h = document.createElement('input'); h.type = 'hidden'; h.name = k; hidden.appendChild(h); }
      h.value = v; } };
    const search = () => { clearTimeout(timer); const q = input.value.trim();
      if (!q) { list.innerHTML = ''; close(); return; }
      timer = setTimeout(async () => {
        const items = await (await fetch(box.dataset.rsSource + encodeURIComponent(q))).json();
        if (input.value.trim() !== q) return;
        list.innerHTML = '';
        items.forEach((it, i) => { const o = document.createElement('div'); o.setAttribute('role', 'option');
          o.id = list.id.replace(/-listbox$/, '') + '-option-' + i; o.className = box.dataset.rsOptionClass || '';
          o.textContent = it.label; o.dataset.fields = JSON.stringify(it.fields || {}); list.appendChild(o); });
        if (items.length) open(); else close();
      }, 120); };
    const choose = o => {
      if (mode === 'multi') {
        if (![...hidden.querySelectorAll('input')].some(x => x.value === o.dataset.value)) {
          const h = document.createElement('input'); h.type = 'hidden'; h.name = name; h.value = o.dataset.value; hidden.appendChild(h);
          const chip = document.createElement('div'); chip.className = box.dataset.rsChipClass || '';
          chip.textContent = o.textContent; chips.appendChild(chip); o.setAttribute('aria-selected', 'true'); }
        if (placeholder) placeholder.hidden = true;
      } else {
        setHidden(mode === 'search' ? JSON.parse(o.dataset.fields || '{}') : {[name]: o.dataset.value});
        shown.textContent = o.textContent; shown.hidden = false; if (placeholder) placeholder.hidden = true;
        options().forEach(x => x.setAttribute('aria-selected', String(x === o)));
      }
      input.value = ''; close(); if (mode !== 'search') filter();
      box.dispatchEvent(new CustomEvent('rs-change', {bubbles: true, detail: {name, value: o.dataset.value, label: o.textContent}}));
    };
    input.addEventListener('focus', () => { if (mode !== 'search') { filter(); open(); } });
    input.addEventListener('mousedown', () => { if (mode !== 'search') open(); });
    input.addEventListener('input', () => { if (mode === 'search') search(); else { open(); filter(); } });
    input.addEventListener('keydown', e => {
      if (e.key === 'ArrowDown' && mode !== 'search') { open(); e.preventDefault(); }
      else if (e.key === 'Escape') close();
      else if (e.key === 'Enter') { const first = options().find(o => !o.hidden);
        if (!menu.hidden && first) { e.preventDefault(); choose(first); } } });
    input.addEventListener('blur', () => setTimeout(close, 150));
    list.addEventListener('mousedown', e => e.preventDefault());
    list.addEventListener('click', e => { const o = e.target.closest('[role=option]'); if (o) choose(o); });
  }
})();
"""


def page(title: str, body: str, *, css: str = "", script: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{BASE_CSS}{css}</style></head>'
            f'<body>{body}{f"<script>{script}</script>" if script else ""}</body></html>')


BASE_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:760px;padding:24px;color:#222}
label,legend{display:block;font-weight:600;margin:14px 0 4px}
input[type=text],input[type=email],input[type=tel],input[type=number],input:not([type]),textarea,select{
  width:100%;box-sizing:border-box;padding:8px;border:1px solid #999;border-radius:4px;font:inherit}
[aria-invalid=true]{border-color:#c00}
[hidden]{display:none!important}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""


class Replica:
    """A replica of one ATS's candidate-facing form, served on loopback. `received` holds every
    accepted application, `rejected` every one refused by validation, in order."""

    name = "replica"

    def __init__(self, *, captcha: bool = False):
        self.captcha = captcha
        self.received: list[Submission] = []
        self.rejected: list[Submission] = []
        self._lock = threading.Lock()
        self.server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the replica first"
        return self.server.url

    def start(self, port: int = 0, host: str = "127.0.0.1") -> Replica:
        self.server = LoopbackServer(self.handle, host=host, port=port).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> Replica:
        return self.start() if self.server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def posts(self) -> list[Request]:
        """Every non-GET request the replica saw (to check that nothing was sent)."""
        return [r for r in (self.server.requests if self.server else []) if r.method != "GET"]

    def record(self, submission: Submission) -> None:
        with self._lock:
            (self.rejected if submission.errors else self.received).append(submission)

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError


def json_attr(value: Any) -> str:
    """JSON for an HTML attribute value (escaped like a server-rendered page would)."""
    return esc(json.dumps(value, separators=(",", ":")), quote=True)
