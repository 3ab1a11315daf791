"""SQL for accounts, sub-accounts and access keys, shared by both backends."""

from __future__ import annotations

from secmon.domain.accounts import Account, KeyHolder, Policy, StoredAccessKey, SubAccount
from secmon.store.session import Row, Session


def _account(r: Row) -> Account:
    return Account(member_no=int(r[0]), name=r[1], created_at=int(r[2]))


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def _subaccount(r: Row) -> SubAccount:
    return SubAccount(
        id=int(r[0]),
        member_no=int(r[1]),
        name=r[2],
        policies=frozenset(Policy(p) for p in _split(r[3])),
        server_groups=frozenset(_split(r[4])),
        created_at=int(r[5]),
    )


_SUB_COLUMNS = "id, member_no, name, policies, server_groups, created_at"


def create_account(s: Session, name: str, now: int) -> Account:
    row = s.fetchone(
        "INSERT INTO accounts (name, created_at) VALUES (?, ?) RETURNING member_no, name, created_at",
        (name, now),
    )
    assert row is not None
    return _account(row)


def account_by_name(s: Session, name: str) -> Account | None:
    row = s.fetchone("SELECT member_no, name, created_at FROM accounts WHERE name = ?", (name,))
    return _account(row) if row else None


def list_accounts(s: Session) -> list[Account]:
    return [
        _account(r) for r in s.fetchall("SELECT member_no, name, created_at FROM accounts ORDER BY member_no")
    ]


def create_subaccount(
    s: Session,
    member_no: int,
    name: str,
    policies: frozenset[Policy],
    server_groups: frozenset[str],
    now: int,
) -> SubAccount:
    row = s.fetchone(
        "INSERT INTO subaccounts (member_no, name, policies, server_groups, created_at) "
        f"VALUES (?, ?, ?, ?, ?) RETURNING {_SUB_COLUMNS}",
        (member_no, name, ",".join(sorted(policies)), ",".join(sorted(server_groups)), now),
    )
    assert row is not None
    return _subaccount(row)


def subaccount_by_name(s: Session, member_no: int, name: str) -> SubAccount | None:
    row = s.fetchone(
        f"SELECT {_SUB_COLUMNS} FROM subaccounts WHERE member_no = ? AND name = ?",
        (member_no, name),
    )
    return _subaccount(row) if row else None


def add_access_key(s: Session, key: StoredAccessKey) -> None:
    s.execute(
        "INSERT INTO access_keys (access_key, member_no, subaccount_id, secret_sealed, created_at, "
        "revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            key.access_key,
            key.member_no,
            key.subaccount_id,
            key.secret_sealed,
            key.created_at,
            key.revoked_at,
        ),
    )


def key_holder(s: Session, access_key: str) -> KeyHolder | None:
    row = s.fetchone(
        "SELECT k.access_key, k.member_no, k.subaccount_id, k.secret_sealed, k.created_at, k.revoked_at, "
        "a.name, a.created_at FROM access_keys k JOIN accounts a ON a.member_no = k.member_no "
        "WHERE k.access_key = ?",
        (access_key,),
    )
    if row is None:
        return None
    key = StoredAccessKey(
        access_key=row[0],
        member_no=int(row[1]),
        subaccount_id=row[2],
        secret_sealed=bytes(row[3]),
        created_at=int(row[4]),
        revoked_at=row[5],
    )
    account = Account(member_no=key.member_no, name=row[6], created_at=int(row[7]))
    sub = None
    if key.subaccount_id is not None:
        sub_row = s.fetchone(f"SELECT {_SUB_COLUMNS} FROM subaccounts WHERE id = ?", (key.subaccount_id,))
        sub = _subaccount(sub_row) if sub_row else None
    return KeyHolder(key=key, account=account, subaccount=sub)


def revoke_access_key(s: Session, access_key: str, now: int) -> bool:
    row = s.fetchone(
        "UPDATE access_keys SET revoked_at = ? WHERE access_key = ? AND revoked_at IS NULL "
        "RETURNING access_key",
        (now, access_key),
    )
    return row is not None
