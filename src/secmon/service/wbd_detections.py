"""Webshell detection: process events in, detections and excepted detections out."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from secmon.detect.catalog import CATALOG, RULES_BY_ID, DetectionRule, evaluate
from secmon.detect.exception_index import ExceptionIndex
from secmon.detect.matcher import rule_applies
from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.detections import REPEAT_WINDOW_MS, ActionStatus, Detection, DetectionQuery, NewDetection
from secmon.domain.errors import InvalidInput, NotFound
from secmon.domain.ids import public_id, sequence_of
from secmon.domain.paging import Page
from secmon.domain.process import ProcessEvent
from secmon.domain.wbd import AgentStatus, ExceptionRule, Server
from secmon.service.auth import authorize
from secmon.service.clock import Clock, now_ms
from secmon.service.wbd_rules import ExceptionRuleService, RuleDraft
from secmon.store.base import Store

_WBD = Product.WEBSHELL_BEHAVIOR_DETECTOR
VIEW_DETECTIONS = Action(_WBD, Verb.VIEW, "getWebShellEvents")
CHANGE_DETECTIONS = Action(_WBD, Verb.CHANGE, "manageWebShellEvent")
PUSH_EVENTS = Action(_WBD, Verb.CHANGE, "putProcessEvents")
VIEW_DETECTION_RULES = Action(_WBD, Verb.VIEW, "getDetectionRule")
CHANGE_DETECTION_RULES = Action(_WBD, Verb.CHANGE, "updateDetectionRule")

MAX_PREVIEW_DAYS = 365
DAY_MS = 86_400_000


@dataclass(slots=True)
class ProcessReport:
    """What one batch of process events became."""

    accepted: int = 0
    detections: int = 0
    excepted: int = 0
    repeats: int = 0

    def add(self, other: ProcessReport) -> None:
        self.accepted += other.accepted
        self.detections += other.detections
        self.excepted += other.excepted
        self.repeats += other.repeats


@dataclass(frozen=True, slots=True)
class Preview:
    would_suppress: int
    sample: list[Detection]


class DetectionService:
    def __init__(
        self, store: Store, rules: ExceptionRuleService | None = None, clock: Clock = now_ms
    ) -> None:
        self._store = store
        self._rules = rules or ExceptionRuleService(store, clock)
        self._clock = clock
        self._indexes: dict[int, tuple[int, ExceptionIndex]] = {}
        self._lock = threading.Lock()

    # -- detection

    def _exception_index(self, member_no: int) -> ExceptionIndex:
        """The account's active rules, indexed; rebuilt whenever a rule has changed."""
        version = self._store.exception_rules_version(member_no)
        with self._lock:
            cached = self._indexes.get(member_no)
            if cached is not None and cached[0] == version:
                return cached[1]
        index = ExceptionIndex(self._store.exception_rules(member_no))
        with self._lock:
            self._indexes[member_no] = (version, index)
        return index

    def enabled_rules(self, member_no: int) -> frozenset[str]:
        settings = self._store.detection_rule_settings(member_no)
        return frozenset(r.rule_id for r in CATALOG if settings.get(r.rule_id, True))

    def _server(self, member_no: int, event: ProcessEvent, known: dict[str, Server]) -> Server:
        server = known.get(event.instance_no)
        if server is None:
            # An agent we have not heard of: register it so rules can target it.
            server = self._store.register_server(
                Server(
                    instance_no=event.instance_no,
                    member_no=member_no,
                    server_name=event.host_name or event.instance_no,
                    host_name=event.host_name,
                    ip_address=None,
                    group=None,
                    agent_status=AgentStatus.ENABLE,
                    memo=None,
                    created_at=self._clock(),
                ),
                None,
            )
        known[event.instance_no] = server
        return server

    def process(
        self,
        member_no: int,
        events: Iterable[ProcessEvent],
        positions: Sequence[tuple[str, str, int, int, bool]] = (),
    ) -> ProcessReport:
        """Judge a batch of events and record what they show, with the ingest file
        positions the batch reached (one transaction)."""
        report = ProcessReport()
        enabled = self.enabled_rules(member_no)
        index = self._exception_index(member_no)
        # One query for the account's servers; an instance not among them registers itself.
        servers = {s.instance_no: s for s in self._store.servers(member_no)}
        now = self._clock()
        found: list[NewDetection] = []
        for event in events:
            report.accepted += 1
            server = self._server(member_no, event, servers)
            hits = evaluate(event, enabled)
            if not hits:
                continue
            rule = hits[0]
            exception = index.first_match(server.scope, event.facts)
            found.append(
                NewDetection(
                    member_no=member_no,
                    event=event,
                    server_name=server.server_name,
                    private_ip=server.ip_address,
                    rule_id=rule.rule_id,
                    rule_name=rule.name,
                    severity=int(rule.severity),
                    collect_time=now,
                    excepted=exception is not None,
                    excepted_rule_id=exception.rule_id if exception else None,
                    excepted_rule_name=exception.name if exception else None,
                )
            )
        recorded = self._store.record_detections(found, REPEAT_WINDOW_MS, positions, member_no, now)
        for detection, new in recorded:
            if not new:
                report.repeats += 1
            elif detection.excepted:
                report.excepted += 1
            else:
                report.detections += 1
        return report

    def push(self, caller: Principal, events: list[ProcessEvent]) -> ProcessReport:
        authorize(caller, PUSH_EVENTS)
        return self.process(caller.member_no, events)

    # -- the lists

    def search(
        self, caller: Principal, query: DetectionQuery, excepted: bool, page_index: int, page_size: int
    ) -> Page[Detection]:
        authorize(caller, VIEW_DETECTIONS)
        return self._store.search_detections(caller.member_no, query, excepted, page_index, page_size)

    def _find(self, caller: Principal, ident: str, excepted: bool) -> Detection:
        detection = self._store.detection(caller.member_no, ident)
        if detection is None or detection.excepted != excepted:
            raise NotFound("excepted detection" if excepted else "detection", ident)
        return detection

    def set_memo(self, caller: Principal, ident: str, memo: str | None, excepted: bool) -> Detection:
        authorize(caller, CHANGE_DETECTIONS)
        found = self._find(caller, ident, excepted)
        status = ActionStatus.CONFIRMED if memo else found.action_status
        changed = replace(found, memo=memo, action_status=status, last_updated_time=self._clock())
        self._store.save_detection(changed)
        return changed

    def delete(self, caller: Principal, ident: str) -> None:
        authorize(caller, CHANGE_DETECTIONS)
        found = self._find(caller, ident, excepted=False)
        now = self._clock()
        self._store.save_detection(replace(found, deleted_at=now, last_updated_time=now))

    def cancel_exception(self, caller: Principal, ident: str) -> Detection:
        """Move an excepted detection back to the detections list."""
        authorize(caller, CHANGE_DETECTIONS)
        found = self._find(caller, ident, excepted=True)
        changed = replace(
            found,
            exception_id=None,
            excepted_rule_id=None,
            excepted_rule_name=None,
            last_updated_time=self._clock(),
        )
        self._store.save_detection(changed)
        return changed

    def except_detection(self, caller: Principal, ident: str, create_rule: bool) -> Detection:
        """Move a detection to the excepted list; optionally create a rule from it, scoped
        to its server, so its repeats are excepted from now on."""
        authorize(caller, CHANGE_DETECTIONS)
        found = self._find(caller, ident, excepted=False)
        now = self._clock()
        rule: ExceptionRule | None = None
        if create_rule:
            rule = self._rules.rule_from_event(caller, found.event, f"from detection {found.detection_id}")
        changed = replace(
            found,
            exception_id=public_id(now, sequence_of(found.detection_id)),
            excepted_rule_id=rule.rule_id if rule else None,
            excepted_rule_name=rule.name if rule else None,
            last_updated_time=now,
        )
        self._store.save_detection(changed)
        return changed

    def preview(self, caller: Principal, draft: RuleDraft, days: int) -> Preview:
        """How many live detections of the last `days` a candidate rule would have excepted."""
        authorize(caller, VIEW_DETECTIONS)
        if not 1 <= days <= MAX_PREVIEW_DAYS:
            raise InvalidInput("days", f"must be between 1 and {MAX_PREVIEW_DAYS}")
        candidate = self._rules.candidate(caller, draft)
        servers = {s.instance_no: s for s in self._store.servers(caller.member_no)}
        hits = []
        for detection in self._store.detections_since(caller.member_no, self._clock() - days * DAY_MS):
            server = servers.get(detection.event.instance_no)
            if server is not None and rule_applies(candidate, server.scope, detection.event.facts):
                hits.append(detection)
        return Preview(would_suppress=len(hits), sample=hits[:10])

    # -- the detection-rule catalogue

    def detection_rules(self, caller: Principal) -> list[tuple[DetectionRule, bool]]:
        authorize(caller, VIEW_DETECTION_RULES)
        enabled = self.enabled_rules(caller.member_no)
        return [(r, r.rule_id in enabled) for r in CATALOG]

    def set_detection_rule(
        self, caller: Principal, rule_id: str, enabled: bool
    ) -> tuple[DetectionRule, bool]:
        authorize(caller, CHANGE_DETECTION_RULES)
        rule = RULES_BY_ID.get(rule_id)
        if rule is None:
            raise NotFound("detection rule", rule_id)
        self._store.set_detection_rule_enabled(caller.member_no, rule_id, enabled)
        return rule, enabled
