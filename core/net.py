"""The outgoing-fetch guard: what the server fetches from the outside world never reaches inside.

Scraped pages choose URLs (career pages, ATS redirects, apply URLs), so a
stranger could point the server at its own loopback services, the private
network or the cloud metadata endpoint (SSRF). Every outgoing connection is
made through this module's httpx transports, which at connect time resolve the
host, check EVERY address it resolves to and then connect to a checked address
itself (so a DNS answer that changes between check and connect cannot slip
through; TLS still uses the URL's host name for SNI and certificates). Each
redirect hop is a new connection, so each hop is checked the same way.

Refused: loopback, private (RFC 1918, ULA), link-local, cloud metadata,
multicast, unspecified, reserved/documentation ranges, shared CGNAT space, and
IPv6 forms that embed one of those (IPv4-mapped, NAT64, 6to4, Teredo).
Loopback is allowed only when the policy says so (settings.OUTGOING_ALLOW_LOOPBACK:
tests and `make run` turn it on for their fake boards on 127.0.0.1).

No Django at import time: appliers and the bot's model client use it too;
`OutgoingPolicy.from_settings()` reads Django settings when called.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and host-agent endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS, Alibaba, Azure wireserver, Oracle).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "192.0.0.192")
)
# Non-global IPv4 blocks Python's is_private / is_global do not all cover (in every version).
_EXTRA_REFUSED_V4 = (
    (ipaddress.ip_network("100.64.0.0/10"), "shared (CGNAT)"),
    (ipaddress.ip_network("192.0.0.0/24"), "reserved"),
    (ipaddress.ip_network("192.88.99.0/24"), "reserved"),
    (ipaddress.ip_network("198.18.0.0/15"), "reserved"),
)
# httpx's own default pool limits.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class OutgoingAddressRefused(Exception):
    """A fetch was refused before any connection: its host is (or resolves to) an inside address.

    The message names the URL's host and the kind of address, never the address itself.
    """

    def __init__(self, host: str, category: str):
        super().__init__(f"refused to connect to {host}: it is a {category} address")
        self.host = host
        self.category = category


@dataclass(frozen=True)
class OutgoingPolicy:
    """Which inside addresses a fetch may still reach: only loopback, and only when allowed.

    `loopback_ports` narrows the allowance to those ports (None: any port).
    """

    allow_loopback: bool = False
    loopback_ports: frozenset[int] | None = None

    @classmethod
    def from_settings(cls) -> OutgoingPolicy:
        from django.conf import settings

        return cls(allow_loopback=bool(settings.OUTGOING_ALLOW_LOOPBACK))

    def permits_loopback(self, port: int) -> bool:
        return self.allow_loopback and (self.loopback_ports is None or port in self.loopback_ports)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64, 6to4 or Teredo address leads to (IPv4-mapped is handled apart)."""
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_category(ip: IPAddress) -> str | None:
    """What kind of inside address `ip` is ("loopback", "private", ...), or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the kernel connects to the IPv4 address itself
            return address_category(ip.ipv4_mapped)
        embedded = _embedded_v4(ip)
        if embedded is not None:  # NAT64, 6to4, Teredo: judged by where they lead
            inner = address_category(embedded)
            return None if inner is None else f"tunnelled {inner}"
        ip = ipaddress.IPv6Address(int(ip))  # drop any %scope for the comparisons below
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address):
        for net, category in _EXTRA_REFUSED_V4:
            if ip in net:
                return category
    elif ip.is_site_local:
        return "private"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def check_address(host: str, ip: IPAddress, port: int, policy: OutgoingPolicy) -> None:
    """Raise OutgoingAddressRefused unless `ip` may be connected to under `policy`."""
    category = address_category(ip)
    if category is None or (category == "loopback" and policy.permits_loopback(port)):
        return
    raise OutgoingAddressRefused(host, category)


def _addresses(infos: Iterable[tuple]) -> list[IPAddress]:
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(info[4][0])] = None
    return list(seen)


def check_addresses(host: str, port: int, addresses: list[IPAddress], policy: OutgoingPolicy) -> list[IPAddress]:
    """Check every address `host` resolved to; returns them, or raises at the first inside one."""
    if not addresses:
        raise httpcore.ConnectError(f"{host} has no address")
    for ip in addresses:  # every address: one bad answer among good ones is still refused
        check_address(host, ip, port, policy)
    return addresses


def _literal(host: str) -> list[IPAddress] | None:
    """An address written as one (no lookup needed); other spellings ("2130706433") go to the resolver."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return None


def resolve_checked(host: str, port: int, policy: OutgoingPolicy) -> list[IPAddress]:
    """Resolve `host` and check every address; returns them (in resolver order) or raises."""
    literal = _literal(host)
    if literal is not None:
        return check_addresses(host, port, literal, policy)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return check_addresses(host, port, _addresses(infos), policy)


async def resolve_checked_async(host: str, port: int, policy: OutgoingPolicy,
                                timeout: float | None = None) -> list[IPAddress]:
    """`resolve_checked` without blocking the event loop; the resolution counts against `timeout`."""
    literal = _literal(host)
    if literal is not None:
        return check_addresses(host, port, literal, policy)
    try:
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return check_addresses(host, port, _addresses(infos), policy)


def check_url(url: str, policy: OutgoingPolicy) -> None:
    """Check a URL before handing it to a client this module does not build.

    Fails closed (a host that does not resolve is refused too). The client resolves
    again when it connects, so unlike the transports below this does not pin the
    address: docs/security.md lists the DNS-rebinding residue where it is used.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutgoingAddressRefused("?", "malformed URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutgoingAddressRefused(parts.hostname or "?", "non-http(s)")
    try:
        resolve_checked(parts.hostname, port, policy)
    except httpcore.ConnectError:
        raise OutgoingAddressRefused(parts.hostname, "unresolvable") from None


# ---- httpx plumbing: check at connect time, connect to the checked address ----------------------

class _GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: OutgoingPolicy):
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked_async(host, port, self._policy, timeout)
        failure: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # addresses is never empty
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise OutgoingAddressRefused(path, "unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: OutgoingPolicy):
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        addresses = resolve_checked(host, port, self._policy)
        failure: Exception | None = None
        for ip in addresses:
            try:
                return self._inner.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        raise OutgoingAddressRefused(path, "unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _pool_options(limits: httpx.Limits) -> dict[str, typing.Any]:
    return {
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


class GuardedAsyncTransport(httpx.AsyncHTTPTransport):
    """httpx's async transport, connecting only to addresses `policy` allows (no proxies, no unix sockets)."""

    def __init__(self, policy: OutgoingPolicy, *, limits: httpx.Limits = DEFAULT_LIMITS,
                 verify: ssl.SSLContext | bool = True):
        context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context, network_backend=_GuardedAsyncBackend(policy), **_pool_options(limits)
        )


class GuardedTransport(httpx.HTTPTransport):
    """httpx's sync transport, connecting only to addresses `policy` allows (no proxies, no unix sockets)."""

    def __init__(self, policy: OutgoingPolicy, *, limits: httpx.Limits = DEFAULT_LIMITS,
                 verify: ssl.SSLContext | bool = True):
        context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context, network_backend=_GuardedBackend(policy), **_pool_options(limits)
        )


def guarded_async_client(policy: OutgoingPolicy, *, max_redirects: int, limits: httpx.Limits = DEFAULT_LIMITS,
                         verify: ssl.SSLContext | bool = True, **options: typing.Any) -> httpx.AsyncClient:
    """An AsyncClient whose every connection (each redirect hop included) passes the guard.

    trust_env is off: a proxy from the environment would make the connection to
    the proxy, not to the checked host.
    """
    return httpx.AsyncClient(transport=GuardedAsyncTransport(policy, limits=limits, verify=verify), trust_env=False,
                             max_redirects=max_redirects, **options)


def guarded_client(policy: OutgoingPolicy, *, max_redirects: int, limits: httpx.Limits = DEFAULT_LIMITS,
                   verify: ssl.SSLContext | bool = True, **options: typing.Any) -> httpx.Client:
    """The sync twin of `guarded_async_client`."""
    return httpx.Client(transport=GuardedTransport(policy, limits=limits, verify=verify), trust_env=False,
                        max_redirects=max_redirects, **options)
