"""Webshell Behavior Detector: detection targets (servers, groups) and exception rules."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from secmon.domain.errors import InvalidInput


class Condition(StrEnum):
    EQUAL = "EQUAL"
    START = "START"
    END = "END"
    NOT_USE = "NOT_USE"


class TargetType(StrEnum):
    SERVER = "server"
    SERVER_GROUP = "serverGroup"
    EVERY_SERVER = "everyServer"


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """One of a rule's six comparisons. With NOT_USE the value is None."""

    value: str | None = None
    condition: Condition = Condition.NOT_USE

    @property
    def used(self) -> bool:
        return self.condition is not Condition.NOT_USE


@dataclass(frozen=True, slots=True)
class ProcessFacts:
    """What a rule is compared with: a process and its parent, as an agent reports them."""

    process_name: str | None = None
    process_arg: str | None = None
    executor: str | None = None
    process_name_of_parent: str | None = None
    process_arg_of_parent: str | None = None
    executor_of_parent: str | None = None


#: The six matchable fields, in the cloud's order.
MATCH_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ProcessFacts))


@dataclass(frozen=True, slots=True)
class RuleConditions:
    process_name: FieldCondition = FieldCondition()
    process_arg: FieldCondition = FieldCondition()
    executor: FieldCondition = FieldCondition()
    process_name_of_parent: FieldCondition = FieldCondition()
    process_arg_of_parent: FieldCondition = FieldCondition()
    executor_of_parent: FieldCondition = FieldCondition()

    def items(self) -> list[tuple[str, FieldCondition]]:
        return [(name, getattr(self, name)) for name in MATCH_FIELDS]

    @property
    def used(self) -> list[tuple[str, FieldCondition]]:
        return [(name, fc) for name, fc in self.items() if fc.used]


def checked_conditions(conditions: RuleConditions, wire_names: dict[str, str]) -> RuleConditions:
    """Validate a rule's conditions; `wire_names` maps field → the caller's name for it.

    A used condition needs a non-empty value; NOT_USE drops the value; at least one
    condition must be used.
    """
    cleaned: dict[str, FieldCondition] = {}
    for name, fc in conditions.items():
        if fc.used:
            if fc.value is None or fc.value == "":
                raise InvalidInput(wire_names[name], f"a value is required with condition {fc.condition}")
            cleaned[name] = fc
        else:
            cleaned[name] = FieldCondition(None, Condition.NOT_USE)
    result = RuleConditions(**cleaned)
    if not result.used:
        raise InvalidInput("condition", "at least one of the six conditions must be other than NOT_USE")
    return result


@dataclass(frozen=True, slots=True)
class RuleTarget:
    """What a rule covers: one server (instance number), one group (its id), or all."""

    type: TargetType
    ident: str | None = None


@dataclass(frozen=True, slots=True)
class ServerScope:
    """Where an event happened, for deciding whether a rule's target covers it."""

    instance_no: str
    group_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExceptionRule:
    rule_id: str
    member_no: int
    name: str
    target: RuleTarget
    target_name: str | None
    conditions: RuleConditions
    memo: str | None
    disabled: bool
    created_at: int
    updated_at: int
    deleted_at: int | None = None
    #: For serverGroup targets: whether the group has been deleted; None otherwise.
    group_is_deleted: bool | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AgentStatus(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"
    NOT_INSTALLED = "notInstalled"
    ERROR = "error"
    ACTIVATING = "activating"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ServerGroup:
    group_id: str
    member_no: int
    name: str
    created_at: int
    deleted_at: int | None = None


@dataclass(frozen=True, slots=True)
class Server:
    """A detection target: a server with the WBD agent (registered or auto-registered)."""

    instance_no: str
    member_no: int
    server_name: str
    host_name: str | None
    ip_address: str | None
    group: ServerGroup | None
    agent_status: AgentStatus
    memo: str | None
    created_at: int

    @property
    def scope(self) -> ServerScope:
        groups = (
            frozenset({self.group.group_id}) if self.group and self.group.deleted_at is None else frozenset()
        )
        return ServerScope(self.instance_no, groups)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed something: the account itself or a sub-account, and the key used."""

    name: str
    access_key: str | None


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One entry of a rule's audit trail: the rule as it was before and after."""

    rule_id: str
    time: int
    actor: Actor
    action: str
    before: ExceptionRule | None
    after: ExceptionRule | None
