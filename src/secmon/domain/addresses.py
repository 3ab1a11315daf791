"""IP addresses as sortable 16-byte keys, so exact and CIDR filters are index ranges.

IPv4 addresses are mapped into IPv6 (``::ffff:a.b.c.d``) so both families share one
column and one ordering.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

_V4_MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"


def ip_key(text: str | None) -> bytes | None:
    """The 16-byte key of an address, or None when `text` is not an IP address."""
    if not text:
        return None
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if addr.version == 4:
        return _V4_MAPPED_PREFIX + addr.packed
    return addr.packed


@dataclass(frozen=True, slots=True)
class AddressRange:
    """An inclusive range of address keys: one address or a CIDR block."""

    low: bytes
    high: bytes


def parse_address_filter(text: str) -> AddressRange:
    """`10.0.0.5`, `2001:db8::1`, `10.0.0.0/8` or `2001:db8::/32` → key range.

    Raises ValueError for anything else (host bits set in a CIDR are tolerated, as
    `ip route` does).
    """
    if "/" in text:
        net = ipaddress.ip_network(text, strict=False)
        low = net.network_address
        high = net.broadcast_address
    else:
        low = high = ipaddress.ip_address(text)
    low_key, high_key = ip_key(str(low)), ip_key(str(high))
    assert low_key is not None
    assert high_key is not None
    return AddressRange(low_key, high_key)
