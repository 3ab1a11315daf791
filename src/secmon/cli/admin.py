"""`secmon account|subaccount|key ...`: tenants, sub-accounts and API keys."""

from __future__ import annotations

from pathlib import Path

import click

from secmon.cli.common import (
    db_option,
    emit_json,
    handle_errors,
    json_option,
    key_file_option,
    migrated_store,
    secret_box,
)
from secmon.domain.accounts import Policy
from secmon.service.accounts import AccountService


@click.group()
def account() -> None:
    """Accounts (tenants). Every event belongs to exactly one."""


@account.command("create")
@click.option("--name", required=True, help="Account name, unique.")
@db_option
@json_option
@handle_errors
def account_create(name: str, db_url: str, as_json: bool) -> None:
    """Create an account.

    \b
    Example:
      secmon account create --name acme
    """
    with migrated_store(db_url) as store:
        created = AccountService(store).create_account(name)
    if as_json:
        emit_json({"memberNo": created.member_no, "name": created.name})
    else:
        click.echo(f"account {created.name!r} created (memberNo {created.member_no})")


@account.command("list")
@db_option
@json_option
@handle_errors
def account_list(db_url: str, as_json: bool) -> None:
    """List accounts."""
    with migrated_store(db_url) as store:
        accounts = AccountService(store).list_accounts()
    if as_json:
        emit_json([{"memberNo": a.member_no, "name": a.name} for a in accounts])
    else:
        for a in accounts:
            click.echo(f"{a.member_no}\t{a.name}")


@click.group()
def subaccount() -> None:
    """Sub-accounts: users of an account, limited by policies."""


@subaccount.command("create")
@click.option("--account", "account_name", required=True, help="The account it belongs to.")
@click.option("--name", required=True, help="Sub-account name, unique in the account.")
@click.option(
    "--policy",
    "policies",
    multiple=True,
    required=True,
    type=click.Choice([p.value for p in Policy]),
    help="Repeatable.",
)
@click.option(
    "--server-group",
    "server_groups",
    multiple=True,
    help="Limit WBD policies to these server groups (repeatable).",
)
@db_option
@json_option
@handle_errors
def subaccount_create(
    account_name: str,
    name: str,
    policies: tuple[str, ...],
    server_groups: tuple[str, ...],
    db_url: str,
    as_json: bool,
) -> None:
    """Create a sub-account with policies.

    \b
    Example:
      secmon subaccount create --account acme --name analyst --policy SecurityMonitoringViewer
    """
    with migrated_store(db_url) as store:
        sub = AccountService(store).create_subaccount(account_name, name, list(policies), list(server_groups))
    if as_json:
        emit_json(
            {
                "account": account_name,
                "name": sub.name,
                "policies": sorted(sub.policies),
                "serverGroups": sorted(sub.server_groups),
            }
        )
    else:
        click.echo(f"sub-account {sub.name!r} created with {', '.join(sorted(sub.policies))}")


@click.group()
def key() -> None:
    """API keys (access key + secret key) for signing requests."""


@key.command("create")
@click.option("--account", "account_name", required=True, help="The account the key acts for.")
@click.option("--subaccount", "subaccount_name", default=None, help="Act as this sub-account.")
@db_option
@key_file_option
@json_option
@handle_errors
def key_create(
    account_name: str,
    subaccount_name: str | None,
    db_url: str,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """Create an API key. The secret key is printed this once only.

    \b
    Example:
      secmon key create --account acme --json
    """
    with migrated_store(db_url) as store:
        service = AccountService(store, secret_box(store, key_file))
        issued = service.create_key(account_name, subaccount_name)
    if as_json:
        emit_json({"accessKey": issued.access_key, "secretKey": issued.secret_key})
    else:
        click.echo(f"access key: {issued.access_key}")
        click.echo(f"secret key: {issued.secret_key}")
        click.echo("Store the secret key now: secmon cannot show it again.", err=True)


@key.command("revoke")
@click.argument("access_key")
@db_option
@json_option
@handle_errors
def key_revoke(access_key: str, db_url: str, as_json: bool) -> None:
    """Revoke an API key; requests signed with it are refused from now on.

    \b
    Example:
      secmon key revoke ABCDEFGHIJ0123456789
    """
    with migrated_store(db_url) as store:
        AccountService(store).revoke_key(access_key)
    if as_json:
        emit_json({"accessKey": access_key, "revoked": True})
    else:
        click.echo(f"access key {access_key} revoked")
