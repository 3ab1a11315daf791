"""secmon.client — a Python client for NAVER Cloud's Security Monitoring and Webshell
Behavior Detector APIs, and for secmon servers, which speak the same protocol.

Requests are signed (API Gateway signature v2) with credentials found as the cloud's
own tools find them (`Credentials`). The endpoints default to the cloud's; pass
`endpoint=` or set SECMON_ENDPOINT to talk to a secmon server instead::

    from secmon.client import SecurityMonitoring, WebshellBehaviorDetector

    with SecurityMonitoring(endpoint="http://127.0.0.1:8080") as sm:
        page = sm.list_ips(start, end, count=100, event_name="log4j")
        every = list(sm.iter_ips(start, end))

    with WebshellBehaviorDetector() as wbd:          # the cloud, ~/.ncloud/configure
        for rule in wbd.iter_deleted_rules(name="php"):
            print(rule.rule_id, rule.deleted_at)
        for found in wbd.iter_detections(process_name_of_parent="php", detect_from=start):
            print(found.detection_id, found.command, found.rule_id)

`AsyncSecurityMonitoring` and `AsyncWebshellBehaviorDetector` have the same methods,
awaited (``async for`` over the iterators). Errors: see `_exceptions` for the tree.

This package imports nothing of the secmon server (checked by lint-imports).
"""

from secmon.client._async import AsyncSecurityMonitoring, AsyncWebshellBehaviorDetector
from secmon.client._base import ENDPOINT_ENV, SM_ENDPOINT, WBD_ENDPOINT
from secmon.client._credentials import Credentials
from secmon.client._exceptions import (
    ApiError,
    AuthenticationFailed,
    ConfigurationError,
    CredentialsError,
    GatewayError,
    PermissionDenied,
    RateLimited,
    ResponseError,
    SecmonClientError,
    SmError,
    Timeout,
    TransportError,
    WbdError,
)
from secmon.client._models import (
    Detection,
    DetectionRule,
    DetectionTarget,
    ExceptedDetection,
    ExceptionRule,
    IpsEvent,
    IpsPage,
    NotificationSetting,
    Page,
    ProcessReport,
    RuleChange,
    RulePreview,
    Webhook,
)
from secmon.client._params import (
    ActionStatus,
    AgentStatus,
    Ancestor,
    Condition,
    DetectionFilters,
    IpsFilters,
    NotificationInterval,
    Order,
    Platform,
    ProcessEvent,
    RuleChanges,
    RuleFields,
    RuleFilters,
    ServerFilters,
    TargetType,
)
from secmon.client._sync import SecurityMonitoring, WebshellBehaviorDetector

__all__ = [
    "ENDPOINT_ENV",
    "SM_ENDPOINT",
    "WBD_ENDPOINT",
    "ActionStatus",
    "AgentStatus",
    "Ancestor",
    "ApiError",
    "AsyncSecurityMonitoring",
    "AsyncWebshellBehaviorDetector",
    "AuthenticationFailed",
    "Condition",
    "ConfigurationError",
    "Credentials",
    "CredentialsError",
    "Detection",
    "DetectionFilters",
    "DetectionRule",
    "DetectionTarget",
    "ExceptedDetection",
    "ExceptionRule",
    "GatewayError",
    "IpsEvent",
    "IpsFilters",
    "IpsPage",
    "NotificationInterval",
    "NotificationSetting",
    "Order",
    "Page",
    "PermissionDenied",
    "Platform",
    "ProcessEvent",
    "ProcessReport",
    "RateLimited",
    "ResponseError",
    "RuleChange",
    "RuleChanges",
    "RuleFields",
    "RuleFilters",
    "RulePreview",
    "SecmonClientError",
    "SecurityMonitoring",
    "ServerFilters",
    "SmError",
    "TargetType",
    "Timeout",
    "TransportError",
    "WbdError",
    "Webhook",
    "WebshellBehaviorDetector",
]
