"""Accounts, sub-accounts and API keys."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from secmon.domain.accounts import Account, Policy, StoredAccessKey, SubAccount
from secmon.domain.errors import InvalidInput, NotFound
from secmon.service.clock import Clock, now_ms
from secmon.service.secrets import SecretBox
from secmon.store.base import Store

_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key pair. The secret is shown this once and never again."""

    access_key: str
    secret_key: str
    member_no: int
    subaccount: str | None


def _valid_name(field: str, name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(field, "must not be empty")
    if len(name) > 100:
        raise InvalidInput(field, "must be at most 100 characters")
    if "," in name:
        raise InvalidInput(field, "must not contain a comma")
    return name


class AccountService:
    def __init__(self, store: Store, box: SecretBox | None = None, clock: Clock = now_ms) -> None:
        self._store = store
        self._box = box
        self._clock = clock

    def create_account(self, name: str) -> Account:
        return self._store.create_account(_valid_name("name", name), self._clock())

    def account(self, name: str) -> Account:
        account = self._store.account_by_name(name)
        if account is None:
            raise NotFound("account", name)
        return account

    def list_accounts(self) -> list[Account]:
        return self._store.list_accounts()

    def create_subaccount(
        self, account_name: str, name: str, policies: list[str], server_groups: list[str]
    ) -> SubAccount:
        account = self.account(account_name)
        if not policies:
            raise InvalidInput("policy", "at least one policy is required")
        parsed: set[Policy] = set()
        for text in policies:
            try:
                parsed.add(Policy(text))
            except ValueError:
                known = ", ".join(p.value for p in Policy)
                raise InvalidInput("policy", f"unknown policy {text!r} (known: {known})") from None
        groups = frozenset(_valid_name("server-group", g) for g in server_groups)
        return self._store.create_subaccount(
            account.member_no, _valid_name("name", name), frozenset(parsed), groups, self._clock()
        )

    def create_key(self, account_name: str, subaccount_name: str | None = None) -> IssuedKey:
        if self._box is None:
            raise RuntimeError("AccountService needs a SecretBox to issue keys")
        account = self.account(account_name)
        sub_id = None
        if subaccount_name is not None:
            sub = self._store.subaccount_by_name(account.member_no, subaccount_name)
            if sub is None:
                raise NotFound("sub-account", subaccount_name)
            sub_id = sub.id
        access_key = "".join(secrets.choice(_ALPHABET) for _ in range(20))
        secret_key = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
        self._store.add_access_key(
            StoredAccessKey(
                access_key=access_key,
                member_no=account.member_no,
                subaccount_id=sub_id,
                secret_sealed=self._box.seal(access_key, secret_key),
                created_at=self._clock(),
            )
        )
        return IssuedKey(access_key, secret_key, account.member_no, subaccount_name)

    def revoke_key(self, access_key: str) -> None:
        if not self._store.revoke_access_key(access_key, self._clock()):
            raise NotFound("active access key", access_key)
