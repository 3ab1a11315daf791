"""WBD detection routes: the cloud's detections and excepted lists, and secmon's
process-event intake, except, preview and detection-rule catalogue."""

from __future__ import annotations

from typing import Any

import orjson

from secmon.api.context import AppContext
from secmon.api.wbd_routes import Call, Handler
from secmon.domain.accounts import Principal
from secmon.domain.detections import DetectionQuery
from secmon.domain.errors import InvalidInput
from secmon.domain.notifications import NotificationSetting, Webhook
from secmon.domain.process import ProcessEvent
from secmon.service.wbd_rules import RuleDraft
from secmon.wire import ncp_wbd
from secmon.wire import ncp_wbd_detections as wire


def _page(
    ctx: AppContext, caller: Principal, source: dict[str, Any], query: DetectionQuery, excepted: bool
) -> Any:
    index, size = ncp_wbd.paging(source)
    page = ctx.detections.search(caller, query, excepted, index, size)
    return ncp_wbd.paged(page, index, size, [wire.detection_item(d) for d in page.items])


def listing(excepted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        return _page(ctx, caller, call.query, DetectionQuery(), excepted)

    return handle


def searching(excepted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        body = ncp_wbd.body_object(call.body())
        return _page(ctx, caller, body, wire.parse_detection_search(body), excepted)

    return handle


def memo(excepted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        ident = call.params["detection_id"]
        ctx.detections.set_memo(caller, ident, ncp_wbd.parse_memo(call.body()), excepted)
        return None

    return handle


def delete(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.detections.delete(caller, call.params["detection_id"])
    return None


def cancel(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.detections.cancel_exception(caller, call.params["detection_id"])
    return None


def except_detection(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    create_rule = body.get("createRule", False)
    if not isinstance(create_rule, bool):
        raise InvalidInput("createRule", "must be true or false")
    return wire.detection_item(
        ctx.detections.except_detection(caller, call.params["detection_id"], create_rule)
    )


def _records(call: Call) -> list[Any]:
    """A JSON array, one JSON object, or NDJSON (one object per line)."""
    raw = call.raw.strip()
    if not raw:
        raise InvalidInput("body", "no process events")
    if raw.startswith(b"["):
        # Decoded here, not by call.body(): an unusable record (NUL, a wrong type) is
        # counted as malformed on its own, as in NDJSON, rather than failing the batch.
        try:
            return list(orjson.loads(raw))
        except orjson.JSONDecodeError:
            raise InvalidInput("body", "is not valid JSON") from None
    records: list[Any] = []
    for line in raw.splitlines():
        if line.strip():
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                records.append(None)
    return records


def push_events(ctx: AppContext, caller: Principal, call: Call) -> Any:
    events: list[ProcessEvent] = []
    malformed = 0
    for record in _records(call):
        try:
            events.append(wire.parse_process_event(record))
        except InvalidInput:
            malformed += 1
    report = ctx.detections.push(caller, events)
    return {
        "accepted": report.accepted,
        "detections": report.detections,
        "excepted": report.excepted,
        "repeats": report.repeats,
        "malformed": malformed,
    }


def preview(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    fields = ncp_wbd.parse_rule_fields(body, creating=True)
    draft = RuleDraft(
        name=fields["name"],
        target_type=fields["target_type"],
        target=fields.get("target"),
        conditions=ncp_wbd.conditions_from(fields["values"], fields["kinds"]),
    )
    result = ctx.detections.preview(caller, draft, wire.parse_days(body))
    return {"wouldSuppress": result.would_suppress, "sample": [wire.detection_item(d) for d in result.sample]}


def detection_rules(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return [
        wire.detection_rule_item(r.rule_id, r.name, int(r.severity), r.description, r.references, enabled)
        for r, enabled in ctx.detections.detection_rules(caller)
    ]


def set_detection_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled", "is required (true or false)")
    r, on = ctx.detections.set_detection_rule(caller, call.params["rule_id"], enabled)
    return wire.detection_rule_item(r.rule_id, r.name, int(r.severity), r.description, r.references, on)


ROUTES: list[tuple[str, str, Handler, str]] = [
    ("GET", "/api/v1/detections", listing(False), "List webshell detections"),
    ("POST", "/api/v1/detections", searching(False), "Search webshell detections"),
    ("PATCH", "/api/v1/detections/{detection_id}/memo", memo(False), "Set a detection's memo"),
    ("DELETE", "/api/v1/detections/{detection_id}", delete, "Delete a detection"),
    ("GET", "/api/v1/exceptions", listing(True), "List excepted detections"),
    ("POST", "/api/v1/exceptions", searching(True), "Search excepted detections"),
    ("PATCH", "/api/v1/exceptions/{detection_id}/memo", memo(True), "Set an excepted detection's memo"),
    ("PATCH", "/api/v1/exceptions/{detection_id}/cancel", cancel, "Move back to detections"),
    ("POST", "/secmon/v1/wbd/process-events", push_events, "Push process events (extension)"),
    (
        "POST",
        "/secmon/v1/wbd/detections/{detection_id}/except",
        except_detection,
        "Except a detection (extension)",
    ),
    ("POST", "/secmon/v1/wbd/exception-rules/preview", preview, "Preview a rule (extension)"),
    ("GET", "/secmon/v1/wbd/detection-rules", detection_rules, "Built-in detection rules (extension)"),
    (
        "PATCH",
        "/secmon/v1/wbd/detection-rules/{rule_id}",
        set_detection_rule,
        "Enable or disable a detection rule (extension)",
    ),
]


# -- notification


def _interval_item(setting: NotificationSetting, platform: str) -> dict[str, Any]:
    return {
        "id": setting.setting_id,
        "memberNo": str(setting.member_no),
        "interval": setting.interval_ms,
        "lastSendNotificationTime": setting.last_sent_time,
        "createTime": setting.created_at,
        "lastUpdatedTime": setting.updated_at,
        "platform": platform,
        "isDeleted": False,
    }


def get_interval(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return _interval_item(ctx.notifications.get_interval(caller), "VPC")


def set_interval(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    name = body.get("interval")
    if not isinstance(name, str):
        raise InvalidInput("interval", "is required (one_min ... twenty_four_hour)")
    ctx.notifications.set_interval(caller, name)
    return None


def _webhook_item(hook: Webhook) -> dict[str, Any]:
    return {"webhookId": hook.webhook_id, "url": hook.url, "createdTime": hook.created_at}


def add_webhook(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    url = body.get("url")
    if not isinstance(url, str):
        raise InvalidInput("url", "is required")
    return _webhook_item(ctx.notifications.add_webhook(caller, url))


def list_webhooks(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return [_webhook_item(h) for h in ctx.notifications.webhooks(caller)]


def delete_webhook(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.notifications.delete_webhook(caller, call.params["webhook_id"])
    return None


ROUTES += [
    ("GET", "/api/v1/alarm/interval", get_interval, "Notification interval"),
    ("PATCH", "/api/v1/alarm/interval", set_interval, "Set the notification interval"),
    ("POST", "/secmon/v1/wbd/webhooks", add_webhook, "Add a webhook target (extension)"),
    ("GET", "/secmon/v1/wbd/webhooks", list_webhooks, "List webhook targets (extension)"),
    ("DELETE", "/secmon/v1/wbd/webhooks/{webhook_id}", delete_webhook, "Remove a webhook target (extension)"),
]
