"""Who is calling, and may they? Signature v2 verification and policy checks."""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidTag

from secmon.domain.accounts import Action, Principal
from secmon.domain.errors import AuthenticationFailed, PermissionDenied
from secmon.service.clock import Clock, now_ms
from secmon.service.secrets import SecretBox
from secmon.store.base import Store
from secmon.wire.ncp_signature import (
    ACCESS_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_matches,
)

#: A timestamp this far (or farther) from the server clock is refused.
MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

MISSING = "Authentication information are missing."
INVALID = "Invalid authentication information."
STALE = "The timestamp is out of the allowed range (5 minutes)."


class Authenticator:
    def __init__(self, store: Store, box: SecretBox, clock: Clock = now_ms) -> None:
        self._store = store
        self._box = box
        self._clock = clock

    def authenticate(self, method: str, uri: str, headers: Mapping[str, str]) -> Principal:
        """Verify the three signature headers of a request to `uri` (path + ?query)."""
        timestamp = headers.get(TIMESTAMP_HEADER)
        access_key = headers.get(ACCESS_KEY_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not timestamp or not access_key or not signature:
            raise AuthenticationFailed(MISSING)
        if not timestamp.isdigit():
            raise AuthenticationFailed(INVALID)
        if abs(self._clock() - int(timestamp)) >= MAX_CLOCK_SKEW_MS:
            raise AuthenticationFailed(STALE)
        holder = self._store.key_holder(access_key)
        if holder is None or holder.key.revoked_at is not None:
            raise AuthenticationFailed(INVALID)
        try:
            secret = self._box.open(access_key, holder.key.secret_sealed)
        except InvalidTag:
            raise AuthenticationFailed(INVALID) from None
        if not signature_matches(secret, method, uri, timestamp, access_key, signature):
            raise AuthenticationFailed(INVALID)
        if holder.key.subaccount_id is not None and holder.subaccount is None:
            raise AuthenticationFailed(INVALID)
        return Principal(account=holder.account, access_key=access_key, subaccount=holder.subaccount)


def authorize(principal: Principal, action: Action) -> None:
    if not principal.allows(action):
        raise PermissionDenied(action.name)
