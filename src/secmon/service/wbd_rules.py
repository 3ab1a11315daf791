"""WBD exception rules: search, create, edit, memo, soft delete, restore, audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.errors import InvalidInput, NotFound, PermissionDenied
from secmon.domain.paging import Page, page_of
from secmon.domain.process import ProcessEvent
from secmon.domain.wbd import (
    MATCH_FIELDS,
    Actor,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleChange,
    RuleConditions,
    RuleTarget,
    TargetType,
    checked_conditions,
)
from secmon.domain.wbd_permissions import (
    CHANGE_RULE,
    Permission,
    may_change,
    rule_group_names,
    rule_permission,
)
from secmon.domain.wbd_search import RuleQuery, search_rules
from secmon.service.auth import authorize
from secmon.service.clock import Clock, now_ms
from secmon.store.base import Store

_WBD = Product.WEBSHELL_BEHAVIOR_DETECTOR
VIEW_RULES = Action(_WBD, Verb.VIEW, "getExceptionRule")
SEARCH_RULES = Action(_WBD, Verb.VIEW, "searchExceptionRule")
VIEW_DELETED = Action(_WBD, Verb.VIEW, "getDeletedExceptionRule")
SEARCH_DELETED = Action(_WBD, Verb.VIEW, "searchDeletedExceptionRule")
VIEW_HISTORY = Action(_WBD, Verb.VIEW, "getExceptionRuleHistory")
CREATE_RULE = Action(_WBD, Verb.CHANGE, "createExceptionRule")
UPDATE_MEMO = Action(_WBD, Verb.CHANGE, "updateExceptionRuleMemo")
DELETE_RULE = Action(_WBD, Verb.CHANGE, "deleteExceptionRule")
RESTORE_RULE = Action(_WBD, Verb.CHANGE, "restoreExceptionRule")


@dataclass(frozen=True, slots=True)
class RuleView:
    """A rule as one caller sees it (SPEC §3: permission fields for sub-accounts)."""

    rule: ExceptionRule
    permission: Permission | None
    action_name: str | None

    @property
    def disabled(self) -> bool:
        return self.rule.disabled or self.permission is Permission.DENY


@dataclass(frozen=True, slots=True)
class RuleDraft:
    name: str
    target_type: TargetType
    target: str | None
    conditions: RuleConditions
    memo: str | None = None
    disabled: bool = False


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


@dataclass(frozen=True, slots=True)
class RuleEdit:
    """A partial change: absent fields stay as they are; `memo=None` clears the memo."""

    name: str | None = None
    target_type: TargetType | None = None
    target: str | _Unset | None = UNSET
    values: dict[str, str | None] = field(default_factory=dict)
    kinds: dict[str, Condition] = field(default_factory=dict)
    memo: str | _Unset | None = UNSET
    disabled: bool | None = None


#: The cloud's name for each match field, for error messages.
WIRE_FIELD_NAMES: dict[str, str] = {
    "process_name": "processName",
    "process_arg": "processArg",
    "executor": "executor",
    "process_name_of_parent": "processNameOfParent",
    "process_arg_of_parent": "processArgOfParent",
    "executor_of_parent": "executorOfParent",
}


def _actor(caller: Principal) -> Actor:
    name = caller.account.name
    if caller.subaccount is not None:
        name = f"{name}/{caller.subaccount.name}"
    return Actor(name=name, access_key=caller.access_key)


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("exceptedRuleName", "must not be empty")
    if len(name) > 200:
        raise InvalidInput("exceptedRuleName", "must be at most 200 characters")
    return name


class ExceptionRuleService:
    def __init__(self, store: Store, clock: Clock = now_ms) -> None:
        self._store = store
        self._clock = clock

    # -- reading

    def _views(self, caller: Principal, rules: list[ExceptionRule]) -> list[RuleView]:
        if caller.subaccount is None:
            return [RuleView(r, None, None) for r in rules]
        servers = {s.instance_no: s for s in self._store.servers(caller.member_no)}
        groups = {}
        for rule in rules:
            if rule.target.type is TargetType.SERVER_GROUP and rule.target.ident:
                group = self._store.server_group(caller.member_no, rule.target.ident)
                if group is not None:
                    groups[group.group_id] = group
        return [RuleView(r, rule_permission(caller, r, servers, groups), CHANGE_RULE.name) for r in rules]

    def search(
        self,
        caller: Principal,
        query: RuleQuery,
        page_index: int,
        page_size: int,
        deleted: bool = False,
        searching: bool = False,
    ) -> Page[RuleView]:
        if deleted:
            authorize(caller, SEARCH_DELETED if searching else VIEW_DELETED)
        else:
            authorize(caller, SEARCH_RULES if searching else VIEW_RULES)
        found = search_rules(self._store.exception_rules(caller.member_no), query, deleted)
        page = page_of(found, page_index, page_size)
        return Page(items=self._views(caller, page.items), total=page.total)

    def _stored(self, caller: Principal, rule_id: str) -> ExceptionRule | None:
        # No id holds U+0000 (and PostgreSQL text cannot even be asked for one).
        if "\x00" in rule_id:
            return None
        return self._store.exception_rule(caller.member_no, rule_id)

    def history(self, caller: Principal, rule_id: str) -> list[RuleChange]:
        authorize(caller, VIEW_HISTORY)
        if self._stored(caller, rule_id) is None:
            raise NotFound("exception rule", rule_id)
        return self._store.exception_rule_history(caller.member_no, rule_id)

    # -- changing

    def _resolve_target(
        self, member_no: int, target_type: TargetType, ident: str | None
    ) -> tuple[RuleTarget, str | None]:
        if target_type is TargetType.EVERY_SERVER:
            return RuleTarget(target_type, None), None
        if ident is None or not str(ident).strip():
            raise InvalidInput("exceptTarget", f"is required when exceptTargetType is {target_type.value}")
        ident = str(ident).strip()
        if target_type is TargetType.SERVER:
            server = self._store.server(member_no, ident)
            if server is None:
                raise InvalidInput("exceptTarget", f"no server with instance number {ident!r}")
            return RuleTarget(target_type, ident), server.server_name
        group = self._store.server_group(member_no, ident)
        if group is None or group.deleted_at is not None:
            raise InvalidInput("exceptTarget", f"no server group with id {ident!r}")
        return RuleTarget(target_type, ident), group.name

    def _check_change(self, caller: Principal, action: Action, rule: ExceptionRule) -> None:
        authorize(caller, action)
        if caller.subaccount is None:
            return
        servers = {s.instance_no: s for s in self._store.servers(caller.member_no)}
        groups = {}
        if rule.target.type is TargetType.SERVER_GROUP and rule.target.ident:
            group = self._store.server_group(caller.member_no, rule.target.ident)
            if group is not None:
                groups[group.group_id] = group
        if not may_change(caller, rule_group_names(rule, servers, groups)):
            raise PermissionDenied(action.name)

    def _view(self, caller: Principal, rule: ExceptionRule) -> RuleView:
        return self._views(caller, [rule])[0]

    def _live(self, caller: Principal, rule_id: str) -> ExceptionRule:
        rule = self._stored(caller, rule_id)
        if rule is None or rule.is_deleted:
            raise NotFound("exception rule", rule_id)
        return rule

    def create(self, caller: Principal, draft: RuleDraft) -> RuleView:
        now = self._clock()
        target, target_name = self._resolve_target(caller.member_no, draft.target_type, draft.target)
        rule = ExceptionRule(
            rule_id="",
            member_no=caller.member_no,
            name=_clean_name(draft.name),
            target=target,
            target_name=target_name,
            conditions=checked_conditions(draft.conditions, WIRE_FIELD_NAMES),
            memo=draft.memo,
            disabled=draft.disabled,
            created_at=now,
            updated_at=now,
        )
        self._check_change(caller, CREATE_RULE, rule)
        change = RuleChange("", now, _actor(caller), "create", None, None)
        return self._view(caller, self._store.create_exception_rule(rule, change))

    def edit(self, caller: Principal, rule_id: str, edit: RuleEdit) -> RuleView:
        before = self._live(caller, rule_id)
        self._check_change(caller, CHANGE_RULE, before)
        now = self._clock()
        target, target_name = before.target, before.target_name
        if edit.target_type is not None or not isinstance(edit.target, _Unset):
            new_type = edit.target_type or before.target.type
            new_ident = before.target.ident if isinstance(edit.target, _Unset) else edit.target
            target, target_name = self._resolve_target(caller.member_no, new_type, new_ident)
        merged = {}
        for name in MATCH_FIELDS:
            current: FieldCondition = getattr(before.conditions, name)
            kind = edit.kinds.get(name, current.condition)
            value = edit.values.get(name, current.value)
            if name in edit.values and name not in edit.kinds and value is not None and not current.used:
                # A value for an unused field, without a condition, means EQUAL (as on create).
                kind = Condition.EQUAL
            merged[name] = FieldCondition(value, kind)
        after = replace(
            before,
            name=_clean_name(edit.name) if edit.name is not None else before.name,
            target=target,
            target_name=target_name,
            conditions=checked_conditions(RuleConditions(**merged), WIRE_FIELD_NAMES),
            memo=before.memo if isinstance(edit.memo, _Unset) else edit.memo,
            disabled=before.disabled if edit.disabled is None else edit.disabled,
            updated_at=now,
        )
        self._check_change(caller, CHANGE_RULE, after)
        return self._commit(caller, before, after, "edit", now)

    def set_memo(self, caller: Principal, rule_id: str, memo: str | None, deleted: bool = False) -> RuleView:
        """The memo of a live rule, or (`deleted`) of a deleted one: each list has its own path."""
        before = self._deleted(caller, rule_id) if deleted else self._live(caller, rule_id)
        self._check_change(caller, UPDATE_MEMO, before)
        now = self._clock()
        return self._commit(caller, before, replace(before, memo=memo, updated_at=now), "memo", now)

    def delete(self, caller: Principal, rule_id: str) -> RuleView:
        before = self._live(caller, rule_id)
        self._check_change(caller, DELETE_RULE, before)
        now = self._clock()
        return self._commit(caller, before, replace(before, deleted_at=now, updated_at=now), "delete", now)

    def _deleted(self, caller: Principal, rule_id: str) -> ExceptionRule:
        rule = self._stored(caller, rule_id)
        if rule is None or not rule.is_deleted:
            raise NotFound("deleted exception rule", rule_id)
        return rule

    def restore(self, caller: Principal, rule_id: str) -> RuleView:
        before = self._deleted(caller, rule_id)
        self._check_change(caller, RESTORE_RULE, before)
        now = self._clock()
        after = replace(before, deleted_at=None, updated_at=now)
        return self._commit(caller, before, after, "restore", now)

    def _commit(
        self, caller: Principal, before: ExceptionRule, after: ExceptionRule, action: str, now: int
    ) -> RuleView:
        change = RuleChange(before.rule_id, now, _actor(caller), action, before, None)
        return self._view(caller, self._store.change_exception_rule(after, change))

    # -- used by detection

    def candidate(self, caller: Principal, draft: RuleDraft) -> ExceptionRule:
        """A validated rule that is not saved (for previews)."""
        now = self._clock()
        target, target_name = self._resolve_target(caller.member_no, draft.target_type, draft.target)
        return ExceptionRule(
            rule_id="preview",
            member_no=caller.member_no,
            name=_clean_name(draft.name),
            target=target,
            target_name=target_name,
            conditions=checked_conditions(draft.conditions, WIRE_FIELD_NAMES),
            memo=draft.memo,
            disabled=False,
            created_at=now,
            updated_at=now,
        )

    def rule_from_event(self, caller: Principal, event: ProcessEvent, memo: str) -> ExceptionRule:
        """A rule excepting this behaviour on this server: the same process name and
        arguments under the same parent process name (what makes repeats repeats)."""

        def exact(value: str | None) -> FieldCondition:
            return FieldCondition(value, Condition.EQUAL) if value else FieldCondition()

        draft = RuleDraft(
            name=f"{event.process_name} under {event.process_name_of_parent or '?'}"[:200],
            target_type=TargetType.SERVER,
            target=event.instance_no,
            conditions=RuleConditions(
                process_name=exact(event.process_name),
                process_arg=exact(event.process_arg),
                process_name_of_parent=exact(event.process_name_of_parent),
            ),
            memo=memo,
        )
        return self.create(caller, draft).rule
