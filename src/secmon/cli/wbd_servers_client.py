"""`secmon wbd servers ...`: WBD detection targets from the command line, through
secmon.client (so against secmon or the cloud)."""

from __future__ import annotations

from typing import Any

import click

from secmon.cli.client_common import (
    Column,
    Connection,
    client_command,
    key,
    page_choice,
    paging_options,
    show_pages,
    show_time,
)

SERVER_KEYS = [
    "instanceNo",
    "serverName",
    "hostName",
    "serverImageName",
    "serverStatus",
    "serverType",
    "serverEnvType",
    "ipAddress",
    "agentStatus",
    "serverGroupId",
    "serverGroupName",
    "platform",
    "wasConfigList",
    "registeredTime",
    "memo",
    "memberNo",
]
SERVER_COLUMNS = [
    Column("Instance", key("instanceNo"), priority=9),
    Column("Name", key("serverName"), priority=8, min_width=10, max_width=30),
    Column("Agent", key("agentStatus"), priority=7),
    Column("IP", key("ipAddress"), priority=6),
    Column("Group", key("serverGroupName"), priority=5, min_width=8, max_width=24),
    Column("Host", key("hostName"), priority=4, min_width=10, max_width=30),
    Column("Memo", key("memo"), priority=3, min_width=8, max_width=30),
    Column("Registered (UTC)", lambda i: show_time(i.get("registeredTime")), priority=2),
]


@click.group()
def servers() -> None:
    """Detection targets (servers) through the API, from secmon or the cloud."""


@servers.command("list")
@paging_options()
@client_command
def servers_list(conn: Connection, page_index: int | None, page_size: int | None, walk_all: bool) -> None:
    """List detection targets (GetDetectionTarget).

    \b
    Example:
      secmon wbd servers list --all
    """
    index, size = page_choice(walk_all, page_index, page_size)
    with conn.wbd() as wbd:
        show_pages(
            conn.printer(SERVER_COLUMNS, SERVER_KEYS),
            walk_all,
            index,
            size,
            lambda i, s: wbd.list_servers(page_index=i, page_size=s),
            lambda s: wbd.iter_servers(page_size=s),
        )


@servers.command("search")
@click.option("--server-name", help="Server name contains (any case).")
@click.option("--server-group-name", help="Group name contains.")
@click.option("--server-image-name", help="Server image name contains.")
@click.option("--ip-address", help="IP address contains.")
@click.option("--memo", help="Memo contains.")
@click.option("--web-root-path", help="WAS web root path.")
@click.option("--file-upload-path", help="WAS file upload path.")
@click.option(
    "--agent-status",
    multiple=True,
    type=click.Choice(["enable", "disable", "notInstalled", "error", "activating", "down"]),
    help="Agent status (repeat for any of several).",
)
@paging_options()
@client_command
def servers_search(
    conn: Connection,
    page_index: int | None,
    page_size: int | None,
    walk_all: bool,
    agent_status: tuple[str, ...],
    **kwargs: Any,
) -> None:
    """Search detection targets (SearchDetectionTarget).

    \b
    Example:
      secmon wbd servers search --server-group-name web --agent-status disable --agent-status error
    """
    filters: dict[str, Any] = {k: v for k, v in kwargs.items() if v}
    if agent_status:
        filters["agent_status"] = list(agent_status)
    index, size = page_choice(walk_all, page_index, page_size)
    with conn.wbd() as wbd:
        show_pages(
            conn.printer(SERVER_COLUMNS, SERVER_KEYS),
            walk_all,
            index,
            size,
            lambda i, s: wbd.search_servers(page_index=i, page_size=s, **filters),
            lambda s: wbd.iter_servers(page_size=s, **filters),
        )


@servers.command("memo")
@click.argument("server_id")
@click.argument("text")
@client_command
def servers_memo(conn: Connection, server_id: str, text: str) -> None:
    """Set a detection target's memo ("" clears it) (UpdateDetectionTargetMemo).

    \b
    Example:
      secmon wbd servers memo 25000097 "duplicated server"
    """
    with conn.wbd() as wbd:
        wbd.set_server_memo(server_id, text)
    conn.printer([], SERVER_KEYS).done(
        f"memo of server {server_id} set", {"instanceNo": server_id, "memo": text or None}
    )


def _agent_command(active: bool) -> None:
    verb = "activate" if active else "deactivate"

    def command(conn: Connection, server_id: str) -> None:
        with conn.wbd() as wbd:
            if active:
                wbd.activate_agent(server_id)
            else:
                wbd.deactivate_agent(server_id)
        status = "enable" if active else "disable"
        conn.printer([], SERVER_KEYS).done(
            f"agent of server {server_id}: {status}", {"instanceNo": server_id, "agentStatus": status}
        )

    command.__name__ = f"servers_{verb}"
    command.__doc__ = f"""{verb.capitalize()} the WBD agent of a server ({verb.capitalize()}Agent).

    \b
    Example:
      secmon wbd servers {verb} 25000097
    """
    servers.command(verb)(click.argument("server_id")(client_command(command)))


_agent_command(True)
_agent_command(False)
