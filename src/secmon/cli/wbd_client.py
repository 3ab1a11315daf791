"""`secmon wbd rules ...`: WBD exception rules from the command line, through
secmon.client (so against secmon or the cloud). `secmon wbd servers ...` lives in
`wbd_servers_client`.

`attach(wbd)` hangs both groups under the existing `secmon wbd` group, with
`detections`, `exceptions`, `events` and `detection-rules` from `wbd_detections_client`
and `notification` and `webhooks` from `wbd_notify_client`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from secmon.cli.client_common import (
    END_TIME,
    START_TIME,
    Column,
    Connection,
    Item,
    client_command,
    key,
    page_choice,
    paging_options,
    show_pages,
    show_time,
    time_options,
    time_range,
    walk_pages,
)
from secmon.cli.wbd_detections_client import DETECTION_COLUMNS, DETECTION_KEYS
from secmon.client import ExceptionRule, Page

F = TypeVar("F", bound=Callable[..., Any])

#: The six process fields: (option stem, client keyword, wire name).
MATCH_FIELDS = [
    ("process-name", "process_name", "processName"),
    ("process-arg", "process_arg", "processArg"),
    ("executor", "executor", "executor"),
    ("process-name-of-parent", "process_name_of_parent", "processNameOfParent"),
    ("process-arg-of-parent", "process_arg_of_parent", "processArgOfParent"),
    ("executor-of-parent", "executor_of_parent", "executorOfParent"),
]
CONDITIONS = ["EQUAL", "START", "END", "NOT_USE"]

#: An exception-rule item's keys, in the seed's order.
RULE_KEYS = [
    "disabled",
    "actionName",
    "permission",
    "exceptedRuleId",
    "exceptedRuleName",
    "exceptTargetType",
    "exceptTarget",
    "exceptTargetName",
    *[name for _, _, wire in MATCH_FIELDS for name in (wire, f"{wire}Condition")],
    "createdTime",
    "deletedTime",
    "isDeleted",
    "memo",
    "memberNo",
    "groupIsDeleted",
]
HISTORY_KEYS = ["time", "actor", "accessKey", "action", "before", "after"]

_OPERATOR = {"EQUAL": "=", "START": "^=", "END": "$="}


def _conditions(item: Item) -> str:
    """The used comparisons, e.g. `processName = /bin/sh; processNameOfParent ^= php`."""
    used = []
    for _, _, wire in MATCH_FIELDS:
        condition = item.get(f"{wire}Condition")
        if condition in _OPERATOR:
            used.append(f"{wire} {_OPERATOR[condition]} {item.get(wire)}")
    return "; ".join(used)


def _target(item: Item) -> str:
    kind = item.get("exceptTargetType")
    if kind == "everyServer":
        return "every server"
    name = item.get("exceptTargetName") or "?"
    gone = " (deleted)" if item.get("groupIsDeleted") else ""
    return f"{kind} {name} ({item.get('exceptTarget')}){gone}"


def _rule_columns(deleted: bool) -> list[Column]:
    columns = [
        Column("Rule ID", key("exceptedRuleId"), priority=9),
        Column("Name", key("exceptedRuleName"), priority=8, min_width=12, max_width=30),
        Column("Conditions", _conditions, priority=7, min_width=24, max_width=80),
        Column("Target", _target, priority=6, min_width=12, max_width=40),
    ]
    if deleted:
        columns.append(Column("Deleted (UTC)", lambda i: show_time(i.get("deletedTime")), priority=5))
    else:
        columns.append(Column("Off", key("disabled"), priority=5))
    columns.append(Column("Created (UTC)", lambda i: show_time(i.get("createdTime")), priority=4))
    columns.append(Column("Memo", key("memo"), priority=3, min_width=8, max_width=30))
    return columns


def _changed(entry: Item) -> str:
    before, after = entry.get("before") or {}, entry.get("after") or {}
    fields = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return ", ".join(fields) if before and after else ""


HISTORY_COLUMNS = [
    Column("Time (UTC)", lambda i: show_time(i.get("time")), priority=9),
    Column("Action", key("action"), priority=9),
    Column("Actor", key("actor"), priority=7, min_width=8, max_width=30),
    Column("Changed", _changed, priority=6, min_width=12),
    Column("Access key", key("accessKey"), priority=5),
]


# -- rules


@click.group()
def rules() -> None:
    """Exception rules (live and deleted) through the API, from secmon or the cloud."""


def rule_filter_options(func: F) -> F:
    """The filters of SearchExceptionRule / SearchDeletedExceptionRule, as flags."""
    options = [
        click.option("--created-time-from", type=START_TIME, help="Created from: ISO date/time or epoch ms."),
        click.option("--created-time-to", type=END_TIME, help="Created until."),
        click.option("--deleted-time-from", type=START_TIME, help="Deleted from."),
        click.option("--deleted-time-to", type=END_TIME, help="Deleted until."),
        click.option("--except-target", "--exception-target", "except_target", help="Target id (exact)."),
        click.option("--excepted-rule-name", help="Rule name contains (any case)."),
        *[
            click.option(f"--{stem}", keyword, help=f"{wire} contains (any case).")
            for stem, keyword, wire in MATCH_FIELDS
        ],
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _rule_filters(
    options: dict[str, Any], natural: str, start: int | None, end: int | None
) -> dict[str, Any]:
    """Client keyword filters from the flags; --from/--to fill the `natural` time field."""
    filters: dict[str, Any] = {
        "created_from": options["created_time_from"],
        "created_to": options["created_time_to"],
        "deleted_from": options["deleted_time_from"],
        "deleted_to": options["deleted_time_to"],
        "target": options["except_target"],
        "name": options["excepted_rule_name"],
        **{keyword: options[keyword] for _, keyword, _ in MATCH_FIELDS},
    }
    for bound, value in ((f"{natural}_from", start), (f"{natural}_to", end)):
        if value is not None:
            if filters[bound] is not None:
                flag = bound.replace("_", "-time-", 1)
                raise click.UsageError(f"--from/--to/--last and --{flag} both set one bound")
            filters[bound] = value
    return {k: v for k, v in filters.items() if v is not None and v != ""}


def _search(
    conn: Connection,
    deleted: bool,
    times: tuple[int | None, int | None, int | None],
    paging: tuple[int | None, int | None, bool],
    options: dict[str, Any],
) -> None:
    """Both searches, always through the search operation (POST), with or without filters."""
    first, until = time_range(*times, default_last=None)
    filters = _rule_filters(options, "deleted" if deleted else "created", first, until)
    page_index, page_size, walk_all = paging
    index, size = page_choice(walk_all, page_index, page_size)
    with conn.wbd() as wbd:
        search = wbd.search_deleted_rules if deleted else wbd.search_rules

        def one_page(i: int, s: int) -> Page[ExceptionRule]:
            return search(page_index=i, page_size=s, **filters)

        show_pages(
            conn.printer(_rule_columns(deleted), RULE_KEYS),
            walk_all,
            index,
            size,
            one_page,
            lambda s: walk_pages(lambda i: one_page(i, s)),
        )


@rules.command("list")
@paging_options()
@client_command
def rules_list(conn: Connection, page_index: int | None, page_size: int | None, walk_all: bool) -> None:
    """List live exception rules, newest first (GetExceptionRule).

    \b
    Example:
      secmon wbd rules list --page-size 50
      secmon wbd rules list --all --output ndjson
    """
    index, size = page_choice(walk_all, page_index, page_size)
    with conn.wbd() as wbd:
        show_pages(
            conn.printer(_rule_columns(False), RULE_KEYS),
            walk_all,
            index,
            size,
            lambda i, s: wbd.list_rules(page_index=i, page_size=s),
            lambda s: wbd.iter_rules(page_size=s),
        )


@rules.command("search")
@time_options("Creation time")
@rule_filter_options
@paging_options()
@client_command
def rules_search(
    conn: Connection,
    start: int | None,
    end: int | None,
    last: int | None,
    page_index: int | None,
    page_size: int | None,
    walk_all: bool,
    **options: Any,
) -> None:
    """Search live exception rules (SearchExceptionRule); --from/--to/--last: creation time.

    \b
    Example:
      secmon wbd rules search --excepted-rule-name php --process-name-of-parent php-fpm
      secmon wbd rules search --last 7d --except-target 25000097 --all --output csv
    """
    _search(conn, False, (start, end, last), (page_index, page_size, walk_all), options)


@rules.command("deleted")
@time_options("Deletion time")
@rule_filter_options
@paging_options()
@client_command
def rules_deleted(
    conn: Connection,
    start: int | None,
    end: int | None,
    last: int | None,
    page_index: int | None,
    page_size: int | None,
    walk_all: bool,
    **options: Any,
) -> None:
    """Search deleted exception rules, last deleted first (SearchDeletedExceptionRule);
    --from/--to/--last: deletion time. Every filter of the operation is a flag.

    \b
    Example:
      secmon wbd rules deleted --last 30d --excepted-rule-name nks --executor www-data
      secmon wbd rules deleted --created-time-from 2024-07-23 --all --output json
    """
    _search(conn, True, (start, end, last), (page_index, page_size, walk_all), options)


def rule_field_options(creating: bool) -> Callable[[F], F]:
    """--name, --target-type, --target, the six fields with their conditions, --memo."""

    def decorate(func: F) -> F:
        options = [
            click.option("--name", required=creating, help="Rule name."),
            click.option(
                "--target-type",
                type=click.Choice(["server", "serverGroup", "everyServer"]),
                required=creating,
                help="What the rule covers.",
            ),
            click.option("--target", help="Server instance number or server group id (not for everyServer)."),
        ]
        for stem, keyword, wire in MATCH_FIELDS:
            options.append(click.option(f"--{stem}", keyword, help=f"{wire} value to compare."))
            options.append(
                click.option(
                    f"--{stem}-condition",
                    f"{keyword}_condition",
                    type=click.Choice(CONDITIONS, case_sensitive=False),
                    help="EQUAL (default with a value), START, END, or NOT_USE.",
                )
            )
        options.append(click.option("--memo", help="Memo." + ("" if creating else ' "" clears it.')))
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def _rule_fields(kwargs: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for _, keyword, _ in MATCH_FIELDS:
        for name in (keyword, f"{keyword}_condition"):
            value = kwargs.get(name)
            if value is not None:
                fields[name] = value.upper() if name.endswith("_condition") else value
    if kwargs.get("target") is not None:
        fields["target"] = kwargs["target"]
    return fields


@rules.command("create")
@rule_field_options(creating=True)
@click.option("--disabled", is_flag=True, help="Create it switched off.")
@client_command
def rules_create(
    conn: Connection, name: str, target_type: str, memo: str | None, disabled: bool, **kwargs: Any
) -> None:
    """Create an exception rule (secmon extension).

    \b
    Example:
      secmon wbd rules create --name "php sh" --target-type server --target 25000097 \\
          --process-name /bin/sh --process-name-of-parent php-fpm --process-name-of-parent-condition START
    """
    fields = _rule_fields(kwargs)
    if memo is not None:
        fields["memo"] = memo
    if disabled:
        fields["disabled"] = True
    with conn.wbd() as wbd:
        rule = wbd.create_rule(name, target_type, **fields)
    conn.printer(_rule_columns(False), RULE_KEYS).one(rule.to_wire())


@rules.command("preview")
@rule_field_options(creating=True)
@click.option("--disabled", is_flag=True, help="Accepted as create takes it; a preview ignores it.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="How far back to look (secmon allows up to 365).",
)
@client_command
def rules_preview(
    conn: Connection,
    name: str,
    target_type: str,
    memo: str | None,
    disabled: bool,
    days: int,
    **kwargs: Any,
) -> None:
    """How many detections of the last --days days a rule would have excepted, with a
    sample, before anyone saves it (secmon extension). Takes the flags of `rules create`.

    \b
    Example:
      secmon wbd rules preview --name "php sh" --target-type everyServer \\
          --process-name sh --process-name-of-parent php --process-name-of-parent-condition START --days 30
    """
    fields = _rule_fields(kwargs)
    if memo is not None:
        fields["memo"] = memo
    with conn.wbd() as wbd:
        preview = wbd.preview_rule(name, target_type, days=days, **fields)
    if conn.output != "table":
        conn.printer([], ["wouldSuppress", "sample"]).one(preview.to_wire())
        return
    count, sample = preview.would_suppress, [d.to_wire() for d in preview.sample]
    some = f" (a sample of {len(sample)} below)" if 0 < len(sample) < count else ""
    click.echo(
        f"would have excepted {count} detection{'' if count == 1 else 's'} of the last {days} days{some}"
    )
    if sample:
        conn.printer(DETECTION_COLUMNS, DETECTION_KEYS).items(sample)


@rules.command("update")
@click.argument("rule_id")
@rule_field_options(creating=False)
@click.option("--enable/--disable", "enabled", default=None, help="Switch the rule on or off.")
@client_command
def rules_update(
    conn: Connection,
    rule_id: str,
    name: str | None,
    target_type: str | None,
    memo: str | None,
    enabled: bool | None,
    **kwargs: Any,
) -> None:
    """Change fields of a live exception rule; the rest stay (secmon extension).

    \b
    Example:
      secmon wbd rules update 2024072321114100000001 --executor www-data --process-arg-condition NOT_USE
      secmon wbd rules update 2024072321114100000001 --disable --memo "paused during deploy"
    """
    changes = _rule_fields(kwargs)
    if name is not None:
        changes["name"] = name
    if target_type is not None:
        changes["target_type"] = target_type
    if memo is not None:
        changes["memo"] = memo or None
    if enabled is not None:
        changes["disabled"] = not enabled
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")
    with conn.wbd() as wbd:
        rule = wbd.update_rule(rule_id, **changes)
    conn.printer(_rule_columns(False), RULE_KEYS).one(rule.to_wire())


@rules.command("delete")
@click.argument("rule_id")
@client_command
def rules_delete(conn: Connection, rule_id: str) -> None:
    """Delete an exception rule: it moves to the deleted list (DeleteExceptionRule).

    \b
    Example:
      secmon wbd rules delete 2024072321114100000001
    """
    with conn.wbd() as wbd:
        wbd.delete_rule(rule_id)
    done = {"exceptedRuleId": rule_id, "isDeleted": True}
    conn.printer([], RULE_KEYS).done(f"rule {rule_id} deleted", done)


@rules.command("restore")
@click.argument("rule_id")
@client_command
def rules_restore(conn: Connection, rule_id: str) -> None:
    """Bring a deleted exception rule back (RecoverDeletedExceptionRule).

    \b
    Example:
      secmon wbd rules restore 2024072321114100000001
    """
    with conn.wbd() as wbd:
        rule = wbd.recover_rule(rule_id)
    printer = conn.printer(_rule_columns(False), RULE_KEYS)
    if rule is None:
        printer.done(f"rule {rule_id} restored", {"exceptedRuleId": rule_id, "isDeleted": False})
    else:
        printer.one(rule.to_wire())


@rules.command("memo")
@click.argument("rule_id")
@click.argument("text")
@click.option("--deleted", is_flag=True, help="The rule is in the deleted list.")
@client_command
def rules_memo(conn: Connection, rule_id: str, text: str, deleted: bool) -> None:
    """Set a rule's memo ("" clears it) (UpdateExceptionRuleMemo).

    \b
    Example:
      secmon wbd rules memo 2024072321114100000001 "reviewed with the web team"
      secmon wbd rules memo --deleted 2024072321114100000001 "removed: host retired"
    """
    with conn.wbd() as wbd:
        rule = wbd.set_deleted_rule_memo(rule_id, text) if deleted else wbd.set_rule_memo(rule_id, text)
    printer = conn.printer(_rule_columns(deleted), RULE_KEYS)
    if rule is None:
        printer.done(f"memo of rule {rule_id} set", {"exceptedRuleId": rule_id, "memo": text or None})
    else:
        printer.one(rule.to_wire())


@rules.command("history")
@click.argument("rule_id")
@client_command
def rules_history(conn: Connection, rule_id: str) -> None:
    """Every change to a rule, oldest first: who, when, before and after (secmon extension).

    \b
    Example:
      secmon wbd rules history 2024072321114100000001
    """
    with conn.wbd() as wbd:
        changes = wbd.rule_history(rule_id)
    conn.printer(HISTORY_COLUMNS, HISTORY_KEYS).items(c.to_wire() for c in changes)


def attach(group: click.Group) -> None:
    """Hang `rules`, `servers`, `detections`, `exceptions`, `events`, `detection-rules`,
    `notification` and `webhooks` under the `secmon wbd` group."""
    from secmon.cli import wbd_detections_client, wbd_notify_client
    from secmon.cli.wbd_servers_client import servers

    group.add_command(rules)
    group.add_command(servers)
    wbd_detections_client.attach(group)
    wbd_notify_client.attach(group)
