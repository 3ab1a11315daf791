"""Accounts (tenants), sub-accounts, their policies, and who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Product(StrEnum):
    SECURITY_MONITORING = "SM"
    WEBSHELL_BEHAVIOR_DETECTOR = "WBD"


class Verb(StrEnum):
    VIEW = "View"
    CHANGE = "Change"


class Policy(StrEnum):
    SECURITY_MONITORING_VIEWER = "SecurityMonitoringViewer"
    WBD_VIEWER = "WBDViewer"
    WBD_MANAGER = "WBDManager"


@dataclass(frozen=True, slots=True)
class Action:
    """An operation as the cloud's policies name it, e.g. ``View/getIPSList``."""

    product: Product
    verb: Verb
    operation: str

    @property
    def name(self) -> str:
        return f"{self.verb.value}/{self.operation}"


_GRANTS: dict[Policy, tuple[Product, frozenset[Verb]]] = {
    Policy.SECURITY_MONITORING_VIEWER: (Product.SECURITY_MONITORING, frozenset({Verb.VIEW})),
    Policy.WBD_VIEWER: (Product.WEBSHELL_BEHAVIOR_DETECTOR, frozenset({Verb.VIEW})),
    Policy.WBD_MANAGER: (
        Product.WEBSHELL_BEHAVIOR_DETECTOR,
        frozenset({Verb.VIEW, Verb.CHANGE}),
    ),
}


@dataclass(frozen=True, slots=True)
class Account:
    member_no: int
    name: str
    created_at: int


@dataclass(frozen=True, slots=True)
class SubAccount:
    id: int
    member_no: int
    name: str
    policies: frozenset[Policy]
    server_groups: frozenset[str] = frozenset()
    created_at: int = 0

    def allows(self, action: Action) -> bool:
        for policy in self.policies:
            product, verbs = _GRANTS[policy]
            if product is action.product and action.verb in verbs:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: an account itself, or one of its sub-accounts."""

    account: Account
    access_key: str
    subaccount: SubAccount | None = None

    @property
    def member_no(self) -> int:
        return self.account.member_no

    def allows(self, action: Action) -> bool:
        return self.subaccount is None or self.subaccount.allows(action)


@dataclass(frozen=True, slots=True)
class StoredAccessKey:
    """An access key row: the secret is sealed (encrypted), never stored in the clear."""

    access_key: str
    member_no: int
    subaccount_id: int | None
    secret_sealed: bytes
    created_at: int
    revoked_at: int | None = None


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """An access key with the account (and sub-account) it acts for."""

    key: StoredAccessKey
    account: Account
    subaccount: SubAccount | None
