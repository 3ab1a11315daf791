from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secmon.domain.addresses import ip_key, parse_address_filter


def test_keys_of_non_addresses_are_none() -> None:
    assert ip_key(None) is None
    assert ip_key("") is None
    assert ip_key("***.***.***.***") is None
    assert ip_key("10.0.0.256") is None


def test_ipv4_and_ipv6_share_one_ordering() -> None:
    v4 = ip_key("255.255.255.255")
    v6 = ip_key("2001:db8::1")
    assert v4 is not None
    assert v6 is not None
    assert len(v4) == len(v6) == 16
    assert v4 < v6


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "nonsense", "10.0.0.1/x", "::g"])
def test_bad_filters_raise(bad: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_address_filter(bad)


@given(
    net=st.one_of(
        st.builds(
            lambda a, p: ipaddress.ip_network(f"{ipaddress.IPv4Address(a)}/{p}", strict=False),
            st.integers(0, 2**32 - 1),
            st.integers(0, 32),
        ),
        st.builds(
            lambda a, p: ipaddress.ip_network(f"{ipaddress.IPv6Address(a)}/{p}", strict=False),
            st.integers(0, 2**128 - 1),
            st.integers(0, 128),
        ),
    ),
    probe=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
)
def test_cidr_range_contains_exactly_the_block(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network, probe: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> None:
    rng = parse_address_filter(str(net))
    key = ip_key(str(probe))
    assert key is not None
    if probe.version == 6 and probe.ipv4_mapped is not None:
        probe = probe.ipv4_mapped  # ::ffff:a.b.c.d is the IPv4 address a.b.c.d
    if probe.version == net.version:
        inside = probe in net
    else:
        # IPv4 lives in IPv6 as ::ffff:a.b.c.d, so an IPv6 block covering that space
        # (::/0, ::ffff:0:0/96, ...) holds IPv4 addresses; no IPv4 block holds IPv6.
        inside = probe.version == 4 and ipaddress.IPv6Address(f"::ffff:{probe}") in net
    assert (rng.low <= key <= rng.high) == inside
