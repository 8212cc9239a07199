"""core.net: outgoing fetches never reach loopback, private, link-local or metadata addresses.

Nothing here sends traffic to a non-loopback address: those are refused at the
check, before any connection (the error type says where it stopped). Loopback
targets are real listening sockets, so a connection that should not happen would show.
"""
import datetime
import ipaddress
import socket
import ssl
import time

import httpx
import pytest

from bot.llm import LLMClient, LLMError
from core.net import (
    OutgoingAddressRefused,
    OutgoingPolicy,
    address_category,
    check_addresses,
    check_url,
    guarded_async_client,
    guarded_client,
)
from devtools.loopback import LoopbackServer, Reply
from scraping.sources import AddressRefused, FetchConfig, Fetcher, FetchError
from tests.support import run_async

OFF = OutgoingPolicy()
ON = OutgoingPolicy(allow_loopback=True)

CATEGORIES = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("fc00::1", "private"),
    ("fec0::1", "private"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:192.168.0.1", "private"),
    ("169.254.169.254", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("100.100.100.200", "cloud metadata"),
    ("168.63.129.16", "cloud metadata"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("100.127.255.254", "shared (CGNAT)"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "private"),
    ("255.255.255.255", "private"),
    ("192.0.2.1", "private"),
    ("198.18.0.1", "reserved"),
    ("64:ff9b::a00:1", "tunnelled private"),
    ("64:ff9b::7f00:1", "tunnelled loopback"),
    ("2002:7f00:1::", "tunnelled loopback"),
    ("2002:a9fe:a9fe::", "tunnelled cloud metadata"),
    ("8.8.8.8", None),
    ("1.1.1.1", None),
    ("2606:4700:4700::1111", None),
    ("::ffff:8.8.8.8", None),
    ("64:ff9b::808:808", None),
]


@pytest.mark.parametrize(("address", "category"), CATEGORIES)
def test_address_categories(address, category):
    assert address_category(ipaddress.ip_address(address)) == category


def test_every_resolved_address_is_checked():
    public, private = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")
    assert check_addresses("ok.example", 443, [public], OFF) == [public]
    for answer in ([public, private], [private, public]):
        with pytest.raises(OutgoingAddressRefused) as refused:
            check_addresses("mixed.example", 443, answer, OFF)
        assert refused.value.category == "private" and "10.0.0.1" not in str(refused.value)


def test_the_loopback_allowance_is_for_loopback_only_and_may_name_ports():
    loopback, metadata = ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("169.254.169.254")
    assert check_addresses("localhost", 8000, [loopback], ON)
    with pytest.raises(OutgoingAddressRefused):
        check_addresses("metadata", 80, [metadata], ON)
    with pytest.raises(OutgoingAddressRefused):
        check_addresses("unspecified", 80, [ipaddress.ip_address("0.0.0.0")], ON)
    only_8000 = OutgoingPolicy(allow_loopback=True, loopback_ports=frozenset({8000}))
    assert check_addresses("localhost", 8000, [loopback], only_8000)
    with pytest.raises(OutgoingAddressRefused):
        check_addresses("localhost", 8001, [loopback], only_8000)


def test_the_policy_comes_from_settings(settings):
    settings.OUTGOING_ALLOW_LOOPBACK = False
    assert OutgoingPolicy.from_settings() == OFF
    settings.OUTGOING_ALLOW_LOOPBACK = True
    assert OutgoingPolicy.from_settings() == ON


# --- refusals at the check, before any connection ------------------------------------------

class Listener:
    """A bare listening socket: the kernel completes any TCP handshake, so an attempt would queue here."""

    def __init__(self, family: socket.AddressFamily, host: str):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def _ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def listeners():
    made = {"v4": Listener(socket.AF_INET, "127.0.0.1")}
    if _ipv6_available():
        made["v6"] = Listener(socket.AF_INET6, "::1")
    yield made
    for listener in made.values():
        listener.close()


def inside_urls(listeners) -> list[str]:
    port = listeners["v4"].port
    urls = [f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/", "http://[fd00:ec2::254]/", "http://100.64.0.1/", f"http://0.0.0.0:{port}/",
            f"http://[::ffff:127.0.0.1]:{port}/", f"http://2130706433:{port}/"]
    if "v6" in listeners:
        urls.append(f"http://[::1]:{listeners['v6'].port}/")
    return urls


def _fast_config() -> FetchConfig:
    return FetchConfig(per_domain_delay=0, retries=3, backoff=0.01, timeout=5, connect_timeout=2)


def test_the_scraper_refuses_inside_addresses_without_connecting(settings, listeners):
    settings.OUTGOING_ALLOW_LOOPBACK = False

    async def fetch_all():
        outcomes = {}
        async with Fetcher(_fast_config()) as fetcher:  # its policy comes from the setting
            for url in inside_urls(listeners):
                started = time.monotonic()
                try:
                    await fetcher.get(url)
                except AddressRefused as exc:
                    outcomes[url] = (exc, time.monotonic() - started)
        return outcomes

    outcomes = run_async(fetch_all())
    assert set(outcomes) == set(inside_urls(listeners))
    for url, (exc, seconds) in outcomes.items():
        assert isinstance(exc.__cause__, OutgoingAddressRefused), url
        assert seconds < 1.0, url  # refused at the check: no connect, no retry with backoff
    assert all(listener.connections() == 0 for listener in listeners.values())


def test_html_pages_and_their_robots_txt_are_refused_too(settings, listeners):
    settings.OUTGOING_ALLOW_LOOPBACK = False

    async def fetch():
        async with Fetcher(_fast_config()) as fetcher:
            await fetcher.get_html(f"http://127.0.0.1:{listeners['v4'].port}/careers")

    with pytest.raises(AddressRefused):  # not reported as "robots.txt disallows"
        run_async(fetch())
    assert listeners["v4"].connections() == 0


def test_the_sync_and_async_clients_refuse_at_the_check(listeners):
    for url in inside_urls(listeners):
        with guarded_client(OFF, max_redirects=3) as client, pytest.raises(OutgoingAddressRefused):
            client.get(url)

    async def fetch_all():
        async with guarded_async_client(OFF, max_redirects=3) as client:
            for url in inside_urls(listeners):
                with pytest.raises(OutgoingAddressRefused):
                    await client.get(url)

    run_async(fetch_all())
    assert all(listener.connections() == 0 for listener in listeners.values())


def test_environment_proxies_do_not_bypass_the_guard(monkeypatch, listeners):
    proxy = LoopbackServer(lambda request: Reply.text("proxied")).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        with guarded_client(OFF, max_redirects=3) as client, pytest.raises(OutgoingAddressRefused):
            client.get("http://10.0.0.1/")
        assert proxy.requests == []
    finally:
        proxy.stop()


def test_check_url_for_clients_we_do_not_build(listeners):
    for url in inside_urls(listeners):
        with pytest.raises(OutgoingAddressRefused):
            check_url(url, OFF)
    for url in ("ftp://127.0.0.1/", "file:///etc/passwd", "http:///nohost", "http://[::1/"):
        with pytest.raises(OutgoingAddressRefused):
            check_url(url, ON)
    check_url(f"http://127.0.0.1:{listeners['v4'].port}/", ON)


# --- every redirect hop is checked ------------------------------------------------------------

@pytest.fixture
def hops():
    """`allowed` redirects to `target`; only `allowed`'s port is in the policy below."""
    target = LoopbackServer(lambda request: Reply.json({"jobs": []})).start()
    allowed = LoopbackServer(lambda request: Reply(302, b"", {"Location": target.url + "/jobs"})).start()
    yield allowed, target, OutgoingPolicy(allow_loopback=True, loopback_ports=frozenset({allowed.port}))
    allowed.stop()
    target.stop()


def test_a_redirect_hop_to_a_refused_address_is_refused(hops):
    allowed, target, policy = hops

    async def fetch():
        async with Fetcher(_fast_config(), policy=policy) as fetcher:
            await fetcher.get_json(allowed.url + "/board")

    with pytest.raises(AddressRefused) as refused:
        run_async(fetch())
    assert isinstance(refused.value.__cause__, OutgoingAddressRefused)
    assert len(allowed.requests) == 1  # the first hop went, once (no retry)
    assert target.requests == []  # the second never did

    with guarded_client(policy, max_redirects=3, follow_redirects=True) as client, \
            pytest.raises(OutgoingAddressRefused):
        client.get(allowed.url + "/board")
    assert target.requests == []

    # With both ports allowed the same chain is followed: the refusal above was the hop check.
    both = OutgoingPolicy(allow_loopback=True, loopback_ports=frozenset({allowed.port, target.port}))
    with guarded_client(both, max_redirects=3, follow_redirects=True) as client:
        assert client.get(allowed.url + "/board").json() == {"jobs": []}
    assert len(target.requests) == 1


def test_a_redirect_to_the_metadata_address_is_refused():
    board = LoopbackServer(lambda r: Reply(307, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})).start()
    try:
        async def fetch():
            async with Fetcher(_fast_config(), policy=ON) as fetcher:
                await fetcher.get_json(board.url + "/v1/boards/x/jobs")

        with pytest.raises(AddressRefused, match="cloud metadata"):
            run_async(fetch())
    finally:
        board.stop()


def test_redirect_chains_are_bounded(settings):
    settings.OUTGOING_MAX_REDIRECTS = 3
    loop = LoopbackServer(lambda request: Reply(302, b"", {"Location": "/again"})).start()
    try:
        async def fetch():
            async with Fetcher(_fast_config(), policy=ON) as fetcher:
                await fetcher.get_json(loop.url + "/start")

        with pytest.raises(FetchError, match="too many redirects"):
            run_async(fetch())
        assert len(loop.requests) == 4  # the first request and 3 redirects
    finally:
        loop.stop()


# --- pinning the checked address keeps TLS on the host name ---------------------------------

def _self_signed_for_localhost(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_the_connection_goes_to_the_checked_address_and_tls_still_checks_the_host_name(tmp_path):
    cert_path, key_path = _self_signed_for_localhost(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    seen_sni: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    server = LoopbackServer(lambda request: Reply.text("over tls"))
    server.httpd.socket = server_context.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    client_context = ssl.create_default_context(cafile=str(cert_path))
    try:
        with guarded_client(ON, max_redirects=0, verify=client_context) as client:
            assert client.get(f"https://localhost:{server.port}/").text == "over tls"
        assert seen_sni == ["localhost"]  # SNI is the URL's host, though we connected to 127.0.0.1
        with guarded_client(ON, max_redirects=0, verify=client_context) as client, \
                pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            client.get(f"https://127.0.0.1:{server.port}/")  # the certificate names localhost only
    finally:
        server.stop()


# --- the model URL, when the bot applier runs inside the server ----------------------------------

def test_the_model_url_is_checked_on_the_server_and_redirects_are_not_followed(settings):
    elsewhere = LoopbackServer(lambda request: Reply.json({"choices": [{"message": {"content": "hi"}}]})).start()
    model = LoopbackServer(lambda request: Reply(307, b"", {"Location": elsewhere.url + "/v1/chat/completions"}))
    model.start()
    try:
        settings.OUTGOING_ALLOW_LOOPBACK = False
        with pytest.raises(LLMError, match="refused"):
            LLMClient(elsewhere.url + "/v1").chat([{"role": "user", "content": "x"}])
        assert elsewhere.requests == []
        with pytest.raises(LLMError, match="refused"):
            LLMClient("http://169.254.169.254/v1").chat([{"role": "user", "content": "x"}])

        settings.OUTGOING_ALLOW_LOOPBACK = True
        assert LLMClient(elsewhere.url + "/v1").chat([{"role": "user", "content": "x"}]) == "hi"
        with pytest.raises(LLMError, match="307"):
            LLMClient(model.url + "/v1").chat([{"role": "user", "content": "x"}])
        assert len(elsewhere.requests) == 1  # the redirect was not followed
    finally:
        model.stop()
        elsewhere.stop()
