"""Is an address loopback? For `make run`'s bind check, bootstrap's demo users and /health."""
from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """True for localhost names and loopback IPs (127.0.0.0/8, ::1, [::1]); False for anything
    else, including 0.0.0.0 and :: (every interface)."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
