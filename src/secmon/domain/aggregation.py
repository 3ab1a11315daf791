"""Which alerts are "the same" and so counted on one event (SPEC §8 aggregation)."""

from __future__ import annotations

import hashlib

from secmon.domain.events import IpsEvent

DEFAULT_WINDOW_S = 60


def aggregation_key(event: IpsEvent) -> int:
    """A signed 64-bit hash of event name, attacker, target address and port, protocol
    and platform (collisions are negligible at 2^-64 per pair within one window)."""
    return aggregation_key_of(
        event.platform.value,
        event.event_name,
        event.attacker_ip,
        event.target_ip,
        event.target_port,
        event.protocol,
    )


def aggregation_key_of(
    platform: str,
    event_name: str,
    attacker_ip: str | None,
    target_ip: str | None,
    target_port: int | None,
    protocol: str | None,
) -> int:
    """`aggregation_key` from the fields themselves (bulk ingest keeps events as tuples)."""
    text = "\x1f".join(
        (
            platform,
            event_name,
            attacker_ip or "",
            target_ip or "",
            "" if target_port is None else str(target_port),
            protocol or "",
        )
    )
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
