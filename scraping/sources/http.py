"""The one way scraping talks to job boards: a polite async HTTP fetcher.

Per domain (host:port) it keeps at most `per_domain_concurrency` requests in
flight and spaces request starts by `per_domain_delay` seconds (raised to the
site's robots.txt Crawl-delay). Requests have a total deadline; 429 and 5xx
answers and network errors are retried with exponential backoff, honouring
Retry-After (which also pauses the whole domain). HTML pages are fetched only
where robots.txt allows our User-Agent.

Every connection goes through the outgoing-fetch guard (core/net.py): a board,
a redirect hop or a robots.txt on a loopback, private, link-local or metadata
address is refused before connecting, and that refusal is not retried.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from django.conf import settings

from core.net import OutgoingAddressRefused, OutgoingPolicy, guarded_async_client

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_CRAWL_DELAY = 30.0
MAX_BACKOFF = 30.0  # the longest pause between two tries, however many retries


class FetchError(Exception):
    """A URL could not be fetched; `status` is the last HTTP status, if any."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt does not allow our User-Agent to fetch this page."""


class AddressRefused(FetchError):
    """The URL (or a redirect hop) leads to an inside address: refused before connecting (core/net.py)."""


@dataclass
class FetchConfig:
    """Knobs of the fetcher: each defaults to its scraping setting when the config is made
    (the defaults live in jobelix/settings.py); pass a field to override it."""

    user_agent: str = field(default_factory=lambda: settings.SCRAPING_USER_AGENT)
    per_domain_concurrency: int = field(default_factory=lambda: settings.SCRAPING_DOMAIN_CONCURRENCY)
    per_domain_delay: float = field(default_factory=lambda: settings.SCRAPING_DOMAIN_DELAY)
    timeout: float = field(default_factory=lambda: settings.SCRAPING_REQUEST_TIMEOUT)
    connect_timeout: float = field(default_factory=lambda: settings.SCRAPING_CONNECT_TIMEOUT)
    retries: int = field(default_factory=lambda: settings.SCRAPING_RETRIES)
    backoff: float = field(default_factory=lambda: settings.SCRAPING_BACKOFF)
    max_retry_after: float = field(default_factory=lambda: settings.SCRAPING_MAX_RETRY_AFTER)
    max_bytes: int = field(default_factory=lambda: settings.SCRAPING_MAX_BYTES)
    max_backoff: float = MAX_BACKOFF


@dataclass
class Response:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes = b""

    @property
    def text(self) -> str:
        charset = _charset(self.headers.get("content-type", "")) or "utf-8"
        return self.content.decode(charset, errors="replace")


@dataclass
class _Domain:
    """Politeness state of one host:port."""

    slots: asyncio.Semaphore
    delay: float
    turn_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0

    async def wait_turn(self) -> None:
        """Wait until this domain may start another request, then book the next slot."""
        async with self.turn_lock:
            loop = asyncio.get_running_loop()
            wait = self.next_start - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_start = max(loop.time(), self.next_start) + self.delay

    def pause_for(self, seconds: float) -> None:
        """Hold every request to this domain for `seconds` (the site asked us to)."""
        until = asyncio.get_running_loop().time() + seconds
        self.next_start = max(self.next_start, until)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds to wait: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, val = part.strip().partition("=")
        if key.lower() == "charset" and val:
            return val.strip("\"' ")
    return None


def _domain_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower()


class Fetcher:
    """Async, polite HTTP client; use as `async with Fetcher() as fetcher:`."""

    def __init__(self, config: FetchConfig | None = None, *, policy: OutgoingPolicy | None = None):
        self.config = config or FetchConfig()
        self.policy = policy or OutgoingPolicy.from_settings()
        self._client: httpx.AsyncClient | None = None
        self._domains: dict[str, _Domain] = {}
        self._robots: dict[str, RobotFileParser] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        cfg = self.config
        self._client = guarded_async_client(
            self.policy,
            max_redirects=settings.OUTGOING_MAX_REDIRECTS,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"User-Agent": cfg.user_agent},
            timeout=httpx.Timeout(cfg.timeout, connect=cfg.connect_timeout),
            follow_redirects=True,
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ---- public API -------------------------------------------------

    async def get_json(self, url: str, *, params: dict | None = None):
        """GET a JSON API (no robots.txt check: these are published APIs) and decode it."""
        response = await self.get(url, params=params, accept="application/json")
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise FetchError(f"invalid JSON from {url}", url=url, status=response.status) from exc

    async def get_html(self, url: str) -> Response:
        """GET an HTML page, only if robots.txt allows it."""
        await self.ensure_allowed(url)
        return await self.get(url, accept="text/html,application/xhtml+xml")

    async def ensure_allowed(self, url: str) -> None:
        robots = await self._robots_for(url)
        if not robots.can_fetch(self.config.user_agent, url):
            raise RobotsDisallowed(f"robots.txt disallows {url}", url=url)

    async def get(self, url: str, *, params: dict | None = None, accept: str | None = None) -> Response:
        """GET with politeness and retries; a final answer >= 400 raises FetchError."""
        if self._client is None:
            raise RuntimeError("use Fetcher as an async context manager")
        cfg = self.config
        domain = self._domain(url)
        attempt = 0
        while True:
            async with domain.slots:
                await domain.wait_turn()
                try:
                    response = await self._get_once(url, params=params, accept=accept)
                    problem, status = None, response.status
                except OutgoingAddressRefused as exc:  # not a network hiccup: never retried
                    raise AddressRefused(str(exc), url=url) from exc
                except httpx.TooManyRedirects as exc:
                    raise FetchError(f"too many redirects from {url}", url=url) from exc
                except httpx.UnsupportedProtocol as exc:
                    raise FetchError(f"{url} (or a redirect from it) is not an http(s) URL", url=url) from exc
                except (httpx.TransportError, TimeoutError) as exc:
                    response, status = None, None
                    problem = _describe_transport_error(exc, cfg.timeout)
            if response is not None and response.status < 400:
                return response
            if response is not None and response.status not in RETRYABLE_STATUSES:
                raise FetchError(f"HTTP {response.status} from {url}", url=url, status=response.status)
            if attempt >= cfg.retries:
                reason = problem or f"HTTP {status}"
                raise FetchError(f"{reason} from {url} after {attempt + 1} attempts", url=url, status=status)
            wait = self._backoff(attempt)
            if response is not None:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if retry_after is not None:
                    if retry_after > cfg.max_retry_after:
                        raise FetchError(
                            f"HTTP {status} from {url}: Retry-After {retry_after:.0f}s is longer than we wait",
                            url=url,
                            status=status,
                        )
                    wait = retry_after
                    domain.pause_for(retry_after)
            attempt += 1
            await asyncio.sleep(wait)

    # ---- internals --------------------------------------------------

    async def _get_once(self, url: str, *, params, accept) -> Response:
        assert self._client is not None  # get() checked it
        cfg = self.config
        headers = {"Accept": accept} if accept else None
        async with asyncio.timeout(cfg.timeout):
            async with self._client.stream("GET", url, params=params, headers=headers) as resp:
                if resp.status_code >= 400:
                    return Response(str(resp.url), resp.status_code, resp.headers)
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > cfg.max_bytes:
                        raise FetchError(f"response from {url} is larger than {cfg.max_bytes} bytes", url=url)
                return Response(str(resp.url), resp.status_code, resp.headers, bytes(body))

    def _domain(self, url: str) -> _Domain:
        key = _domain_key(url)
        domain = self._domains.get(key)
        if domain is None:
            domain = _Domain(asyncio.Semaphore(self.config.per_domain_concurrency), self.config.per_domain_delay)
            self._domains[key] = domain
        return domain

    def _backoff(self, attempt: int) -> float:
        base = min(self.config.max_backoff, self.config.backoff * (2**attempt))
        return base * random.uniform(0.75, 1.25)

    async def _robots_for(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self._robots:
                return self._robots[origin]
            robots = RobotFileParser(origin + "/robots.txt")
            try:
                response = await self.get(origin + "/robots.txt", accept="text/plain")
            except AddressRefused:
                raise  # the page is refused for what it is, not reported as a robots.txt rule
            except FetchError as exc:
                # As urllib.robotparser and RFC 9309: 4xx means no rules, 401/403
                # and an unreachable file (5xx, network) mean stay out.
                if exc.status is not None and 400 <= exc.status < 500 and exc.status not in (401, 403):
                    robots.allow_all = True  # type: ignore[attr-defined]
                else:
                    robots.disallow_all = True  # type: ignore[attr-defined]
            else:
                robots.parse(response.text.splitlines())
                crawl_delay = robots.crawl_delay(self.config.user_agent)
                if crawl_delay:
                    domain = self._domain(url)
                    domain.delay = max(domain.delay, min(float(crawl_delay), MAX_CRAWL_DELAY))
            self._robots[origin] = robots
            return robots


def _describe_transport_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    return f"network error ({type(exc).__name__})"
