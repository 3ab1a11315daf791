"""Security Monitoring routes: /vsecuritymonitoring/v1 (VPC) and /securitymonitoring/v1 (Classic)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from secmon.api.context import context_of, signed_uri
from secmon.api.gateway import JsonResponse
from secmon.domain.errors import InvalidInput
from secmon.domain.events import Platform
from secmon.service.auth import authorize
from secmon.service.ips import VIEW_IPS_LIST
from secmon.wire import ncp_sm

PREFIXES: dict[Platform, str] = {
    Platform.VPC: "/vsecuritymonitoring/v1",
    Platform.CLASSIC: "/securitymonitoring/v1",
}

_SIGNATURE_HEADERS: list[dict[str, Any]] = [
    {
        "name": name,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": text,
    }
    for name, text in (
        ("x-ncp-apigw-timestamp", "Epoch ms; within 5 minutes of the server clock"),
        ("x-ncp-iam-access-key", "Access key id"),
        ("x-ncp-apigw-signature-v2", "Base64 HMAC-SHA256 of 'METHOD URI\\nTIMESTAMP\\nACCESSKEY'"),
    )
]

_OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": _SIGNATURE_HEADERS,
    "requestBody": {
        "required": True,
        "description": "JSON whatever the Content-Type; numeric strings are accepted for numbers.",
        "content": {
            "application/json": {
                "schema": ncp_sm.GetIpsListRequest.model_json_schema(by_alias=True),
                "example": {
                    "startDateTime": 1719849227000,
                    "endDateTime": 1720108427000,
                    "page": 1,
                    "countPerPage": 20,
                },
            }
        },
    },
}


def _decode(body: bytes) -> Any:
    if not body.strip():
        raise InvalidInput("body", "a JSON object is required")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("body", "is not valid JSON") from None


def _ips_list_endpoint(platform: Platform) -> Any:
    async def get_ips_list(request: Request) -> Response:
        ctx = context_of(request)
        body = await request.body()
        headers = dict(request.headers)
        uri = signed_uri(request)

        def handle() -> dict[str, Any]:
            caller = ctx.caller("POST", uri, headers)
            authorize(caller, VIEW_IPS_LIST)
            query = ncp_sm.parse_get_ips_list(_decode(body), platform)
            return ncp_sm.ips_list_response(ctx.ips.list_events(caller, query), query.page)

        try:
            return JsonResponse(await run_in_threadpool(handle))
        except InvalidInput as problem:
            return JsonResponse(ncp_sm.bad_request(problem), status_code=400)

    return get_ips_list


def router() -> APIRouter:
    r = APIRouter(tags=["Security Monitoring"])
    for platform, prefix in PREFIXES.items():
        r.add_api_route(
            f"{prefix}/getIPSList",
            _ips_list_endpoint(platform),
            methods=["POST"],
            name=f"getIPSList ({platform.value})",
            summary=f"IPS events of the {platform.value} platform",
            description="Events whose detection time lies in [startDateTime, endDateTime], "
            "newest first unless order=asc; ties broken by ticketId.",
            openapi_extra=_OPENAPI_EXTRA,
            responses={
                200: {"model": ncp_sm.GetIpsListResponse, "description": "One page of events"},
                400: {"model": ncp_sm.BadRequestResponse, "description": "A field is wrong"},
                401: {"description": "Gateway: authentication failed or permission denied"},
            },
            response_class=JsonResponse,
        )
    return r
