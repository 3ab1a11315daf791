"""Webshell Behavior Detector routes: the cloud's /api/v1 operations and secmon's
/secmon/v1/wbd extensions. Application errors travel in the WBD envelope (HTTP 200)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from secmon.api.context import AppContext, context_of, signed_uri
from secmon.api.gateway import JsonResponse
from secmon.domain.accounts import Principal
from secmon.domain.errors import InvalidInput, NotFound
from secmon.domain.wbd_search import RuleQuery, ServerQuery
from secmon.service.wbd_rules import RuleDraft, RuleEdit, RuleView
from secmon.service.wbd_targets import NewServer
from secmon.wire import ncp_wbd
from secmon.wire.validation import reject_nul

Handler = Callable[[AppContext, Principal, "Call"], Any]


class Call:
    """One request's inputs, decoded: path parameters, query string, JSON body."""

    def __init__(self, params: dict[str, str], query: dict[str, str], raw_body: bytes) -> None:
        self.params = params
        self.query = query
        self._raw = raw_body

    @property
    def raw(self) -> bytes:
        return self._raw

    def body(self) -> Any:
        if not self._raw.strip():
            return None
        try:
            body = orjson.loads(self._raw)
        except orjson.JSONDecodeError:
            raise InvalidInput("body", "is not valid JSON") from None
        reject_nul(body)
        return body


def _endpoint(method: str, handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        ctx = context_of(request)
        raw = await request.body()
        headers = dict(request.headers)
        uri = signed_uri(request)
        call = Call(dict(request.path_params), dict(request.query_params), raw)

        def run() -> dict[str, Any]:
            caller = ctx.caller(method, uri, headers)
            problem = ncp_wbd.platform_problem(headers.get(ncp_wbd.PLATFORM_HEADER.lower()))
            if problem is not None:
                return problem
            try:
                result = handler(ctx, caller, call)
                return result if isinstance(result, ncp_wbd.Envelope) else ncp_wbd.ok(result)
            except InvalidInput as exc:
                return ncp_wbd.failure(400, f"{exc.field}: {exc.reason}")
            except NotFound as exc:
                return ncp_wbd.failure(404, f"{exc.kind} {exc.ident} not found")

        return JsonResponse(await run_in_threadpool(run))

    return endpoint


def _rule(view: RuleView) -> dict[str, Any]:
    permission = view.permission.value if view.permission else None
    return ncp_wbd.rule_item(view.rule, view.disabled, permission, view.action_name)


def _rules_page(
    ctx: AppContext,
    caller: Principal,
    paging_source: dict[str, Any],
    query: RuleQuery,
    deleted: bool,
    searching: bool,
) -> dict[str, Any]:
    index, size = ncp_wbd.paging(paging_source)
    page = ctx.rules.search(caller, query, index, size, deleted=deleted, searching=searching)
    return ncp_wbd.paged(page, index, size, [_rule(v) for v in page.items])


def list_rules(deleted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        return _rules_page(ctx, caller, call.query, RuleQuery(), deleted, searching=False)

    return handle


def search_rules(deleted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        body = ncp_wbd.body_object(call.body())
        return _rules_page(ctx, caller, body, ncp_wbd.parse_rule_search(body), deleted, searching=True)

    return handle


def rule_memo(deleted: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        memo = ncp_wbd.parse_memo(call.body())
        ctx.rules.set_memo(caller, call.params["rule_id"], memo, deleted=deleted)
        # The cloud answers its memo updates with `result: null`.
        return None

    return handle


def delete_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.rules.delete(caller, call.params["rule_id"])
    return None


def create_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    fields = ncp_wbd.parse_rule_fields(call.body(), creating=True)
    draft = RuleDraft(
        name=fields["name"],
        target_type=fields["target_type"],
        target=fields.get("target"),
        conditions=ncp_wbd.conditions_from(fields["values"], fields["kinds"]),
        memo=fields.get("memo"),
        disabled=fields.get("disabled", False),
    )
    return _rule(ctx.rules.create(caller, draft))


def edit_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    fields = ncp_wbd.parse_rule_fields(call.body(), creating=False)
    edit = RuleEdit(**fields)
    return _rule(ctx.rules.edit(caller, call.params["rule_id"], edit))


def restore_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return _rule(ctx.rules.restore(caller, call.params["rule_id"]))


def recover_rule(ctx: AppContext, caller: Principal, call: Call) -> Any:
    # The cloud's RecoverDeletedExceptionRule answers `result: null` (secmon's restore, the item).
    ctx.rules.restore(caller, call.params["rule_id"])
    return None


def rule_history(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return [ncp_wbd.history_item(c) for c in ctx.rules.history(caller, call.params["rule_id"])]


def _servers_page(
    ctx: AppContext, caller: Principal, paging_source: dict[str, Any], query: ServerQuery, searching: bool
) -> dict[str, Any]:
    index, size = ncp_wbd.paging(paging_source)
    page = ctx.targets.search(caller, query, index, size, searching=searching)
    return ncp_wbd.paged(page, index, size, [ncp_wbd.server_item(s) for s in page.items])


def list_servers(ctx: AppContext, caller: Principal, call: Call) -> Any:
    return _servers_page(ctx, caller, call.query, ServerQuery(), searching=False)


def search_servers(ctx: AppContext, caller: Principal, call: Call) -> Any:
    body = ncp_wbd.body_object(call.body())
    return _servers_page(ctx, caller, body, ncp_wbd.parse_server_search(body), searching=True)


def add_server(ctx: AppContext, caller: Principal, call: Call) -> Any:
    reg = ncp_wbd.parse_server_registration(call.body())
    new = NewServer(
        instance_no=reg.instance_no,
        server_name=reg.server_name,
        host_name=reg.host_name,
        ip_address=reg.ip_address,
        group_name=reg.server_group_name,
    )
    return ncp_wbd.server_item(ctx.targets.add(caller, new))


def delete_group(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.targets.delete_group(caller, call.params["group_id"])
    return None


def server_memo(ctx: AppContext, caller: Principal, call: Call) -> Any:
    ctx.targets.set_memo(caller, call.params["server_id"], ncp_wbd.parse_memo(call.body()))
    # The cloud nests a whole success envelope in `result` here.
    return ncp_wbd.ok(None)


def agent(active: bool) -> Handler:
    def handle(ctx: AppContext, caller: Principal, call: Call) -> Any:
        ctx.targets.set_agent(caller, call.params["server_id"], active)
        return ncp_wbd.ok_with_message("Successful")

    return handle


_ROUTES: list[tuple[str, str, Handler, str]] = [
    ("GET", "/api/v1/exception-rules", list_rules(False), "List exception rules"),
    ("POST", "/api/v1/exception-rules", search_rules(False), "Search exception rules"),
    ("PATCH", "/api/v1/exception-rules/{rule_id}/memo", rule_memo(False), "Set a rule's memo"),
    ("DELETE", "/api/v1/exception-rules/{rule_id}", delete_rule, "Delete a rule (soft)"),
    ("GET", "/api/v1/deleted-exception-rules", list_rules(True), "List deleted exception rules"),
    ("POST", "/api/v1/deleted-exception-rules", search_rules(True), "Search deleted exception rules"),
    ("POST", "/secmon/v1/wbd/exception-rules", create_rule, "Create an exception rule (extension)"),
    ("PATCH", "/secmon/v1/wbd/exception-rules/{rule_id}", edit_rule, "Edit an exception rule (extension)"),
    (
        "POST",
        "/secmon/v1/wbd/deleted-exception-rules/{rule_id}/restore",
        restore_rule,
        "Restore a deleted rule (extension)",
    ),
    ("GET", "/secmon/v1/wbd/exception-rules/{rule_id}/history", rule_history, "A rule's audit trail"),
    # The cloud also restores and annotates deleted rules under its own paths.
    ("POST", "/api/v1/deleted-exception-rules/{rule_id}/recover", recover_rule, "Recover a deleted rule"),
    ("PATCH", "/api/v1/deleted-exception-rules/{rule_id}/memo", rule_memo(True), "Set a deleted rule's memo"),
    ("GET", "/api/v1/servers", list_servers, "List detection targets"),
    ("POST", "/api/v1/servers", search_servers, "Search detection targets"),
    ("PATCH", "/api/v1/servers/{server_id}/memo", server_memo, "Set a detection target's memo"),
    ("PATCH", "/api/v1/servers/{server_id}/agent/activate", agent(True), "Activate the agent"),
    ("PATCH", "/api/v1/servers/{server_id}/agent/deactivate", agent(False), "Deactivate the agent"),
    ("POST", "/secmon/v1/wbd/servers", add_server, "Register a detection target (extension)"),
    (
        "DELETE",
        "/secmon/v1/wbd/server-groups/{group_id}",
        delete_group,
        "Delete a server group (extension)",
    ),
]

_HEADERS_DOC: list[dict[str, Any]] = [
    {
        "name": ncp_wbd.PLATFORM_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "enum": list(ncp_wbd.PLATFORMS)},
    }
]


def router(extra_routes: list[tuple[str, str, Handler, str]] | None = None) -> APIRouter:
    r = APIRouter(tags=["Webshell Behavior Detector"])
    for method, path, handler, summary in [*_ROUTES, *(extra_routes or [])]:
        r.add_api_route(
            path,
            _endpoint(method, handler),
            methods=[method],
            summary=summary,
            response_class=JsonResponse,
            openapi_extra={"parameters": _HEADERS_DOC},
        )
    return r
