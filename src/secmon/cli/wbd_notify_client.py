"""`secmon wbd notification|webhooks ...`: how often an account hears about new webshell
detections, and where secmon posts the summaries, from the command line through
secmon.client (so against secmon or, for the notification interval, the cloud).
`wbd_client.attach` hangs both groups under `secmon wbd`.
"""

from __future__ import annotations

import click

from secmon.cli.client_common import Column, Connection, Item, client_command, key, show_time
from secmon.client import NotificationInterval

#: The notification setting's keys, in the cloud's order.
NOTIFICATION_KEYS = [
    "id",
    "memberNo",
    "interval",
    "lastSendNotificationTime",
    "createTime",
    "lastUpdatedTime",
    "platform",
    "isDeleted",
]
WEBHOOK_KEYS = ["webhookId", "url", "createdTime"]
WEBHOOK_COLUMNS = [
    Column("Webhook ID", key("webhookId"), priority=9),
    Column("URL", key("url"), priority=8, min_width=16, max_width=80),
    Column("Created (UTC)", lambda i: show_time(i.get("createdTime")), priority=5),
]
INTERVALS = [interval.value for interval in NotificationInterval]


def _shown(item: Item) -> Item:
    """The setting for a person: the interval in ms with its name."""
    ms = item.get("interval")
    name = NotificationInterval.from_ms(ms) if isinstance(ms, int) else None
    return {**item, "interval": f"{ms} ms ({name.value})" if name else ms}


# -- the notification interval


@click.group()
def notification() -> None:
    """The notification interval: at most one summary of new detections per interval
    (GetNotificationInterval, UpdateNotificationInterval)."""


@notification.command("get")
@client_command
def notification_get(conn: Connection) -> None:
    """Show the account's notification interval (GetNotificationInterval). JSON output is
    the API's item: `interval` in milliseconds.

    \b
    Example:
      secmon wbd notification get
    """
    with conn.wbd() as wbd:
        setting = wbd.get_notification_interval()
    item = setting.to_wire()
    conn.printer([], NOTIFICATION_KEYS).one(_shown(item) if conn.output == "table" else item)


@notification.command("set")
@click.argument("interval", metavar="INTERVAL", type=click.Choice(INTERVALS, case_sensitive=False))
@client_command
def notification_set(conn: Connection, interval: str) -> None:
    """Send at most one summary of new detections per INTERVAL (UpdateNotificationInterval):
    one_min, two_min, three_min, four_min, five_min, ten_min, thirty_min, one_hour,
    three_hour, six_hour, twelve_hour or twenty_four_hour. Prints {"interval": INTERVAL}.

    \b
    Example:
      secmon wbd notification set three_hour
    """
    chosen = NotificationInterval(interval.lower())
    with conn.wbd() as wbd:
        wbd.set_notification_interval(chosen)
    conn.printer([], ["interval"]).done(
        f"notification interval set to {chosen.value} ({chosen.ms} ms)", {"interval": chosen.value}
    )


# -- webhook targets


@click.group()
def webhooks() -> None:
    """Webhook targets: the URLs secmon posts each notification to (secmon extension)."""


@webhooks.command("add")
@click.argument("url")
@client_command
def webhooks_add(conn: Connection, url: str) -> None:
    """Post the account's notifications to URL (http or https) too; prints the new target.

    \b
    Example:
      secmon wbd webhooks add https://hooks.example.com/secmon
    """
    with conn.wbd() as wbd:
        hook = wbd.add_webhook(url)
    conn.printer(WEBHOOK_COLUMNS, WEBHOOK_KEYS).one(hook.to_wire())


@webhooks.command("list")
@client_command
def webhooks_list(conn: Connection) -> None:
    """List the account's webhook targets.

    \b
    Example:
      secmon wbd webhooks list --output csv
    """
    with conn.wbd() as wbd:
        found = wbd.list_webhooks()
    conn.printer(WEBHOOK_COLUMNS, WEBHOOK_KEYS).items(hook.to_wire() for hook in found)


@webhooks.command("delete")
@click.argument("webhook_id", metavar="ID")
@client_command
def webhooks_delete(conn: Connection, webhook_id: str) -> None:
    """Stop posting notifications to a webhook target (ID as `webhooks list` shows it).

    \b
    Example:
      secmon wbd webhooks delete 2024072409000000000001
    """
    with conn.wbd() as wbd:
        wbd.delete_webhook(webhook_id)
    conn.printer([], WEBHOOK_KEYS).done(
        f"webhook {webhook_id} deleted", {"webhookId": webhook_id, "deleted": True}
    )


def attach(group: click.Group) -> None:
    """Hang `notification` and `webhooks` under `secmon wbd`."""
    for command in (notification, webhooks):
        group.add_command(command)
