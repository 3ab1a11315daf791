"""What a sub-account may change (SPEC §3): policies, optionally limited to server groups."""

from __future__ import annotations

from enum import StrEnum

from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.wbd import ExceptionRule, Server, ServerGroup, TargetType

#: The action reported as `actionName` on each rule a sub-account sees.
CHANGE_RULE = Action(Product.WEBSHELL_BEHAVIOR_DETECTOR, Verb.CHANGE, "updateExceptionRule")


class Permission(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


def rule_group_names(
    rule: ExceptionRule, servers: dict[str, Server], groups: dict[str, ServerGroup]
) -> frozenset[str] | None:
    """The server-group names that hold the rule's whole scope; None for every server."""
    if rule.target.type is TargetType.EVERY_SERVER:
        return None
    if rule.target.type is TargetType.SERVER_GROUP:
        group = groups.get(rule.target.ident or "")
        return frozenset({group.name}) if group else frozenset()
    server = servers.get(rule.target.ident or "")
    if server is None or server.group is None:
        return frozenset()
    return frozenset({server.group.name})


def may_change(principal: Principal, scope_groups: frozenset[str] | None) -> bool:
    """May this caller change a rule whose scope lies in `scope_groups` (None = every server)?"""
    sub = principal.subaccount
    if sub is None:
        return True
    if not sub.allows(CHANGE_RULE):
        return False
    if not sub.server_groups:
        return True
    # A group-limited policy allows a rule only when its whole scope lies inside the groups.
    return scope_groups is not None and bool(scope_groups) and scope_groups <= sub.server_groups


def rule_permission(
    principal: Principal, rule: ExceptionRule, servers: dict[str, Server], groups: dict[str, ServerGroup]
) -> Permission | None:
    """Allow/Deny for a sub-account; None for the account itself (the cloud shows null)."""
    if principal.subaccount is None:
        return None
    allowed = may_change(principal, rule_group_names(rule, servers, groups))
    return Permission.ALLOW if allowed else Permission.DENY
