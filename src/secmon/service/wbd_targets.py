"""WBD detection targets: servers and server groups."""

from __future__ import annotations

from dataclasses import dataclass, replace

from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.errors import InvalidInput, NotFound
from secmon.domain.paging import Page, page_of
from secmon.domain.wbd import AgentStatus, Server
from secmon.domain.wbd_search import ServerQuery, search_servers
from secmon.service.auth import authorize
from secmon.service.clock import Clock, now_ms
from secmon.store.base import Store

_WBD = Product.WEBSHELL_BEHAVIOR_DETECTOR
VIEW_TARGETS = Action(_WBD, Verb.VIEW, "getDetectionTarget")
SEARCH_TARGETS = Action(_WBD, Verb.VIEW, "searchDetectionTarget")
ADD_TARGET = Action(_WBD, Verb.CHANGE, "createDetectionTarget")
DELETE_GROUP = Action(_WBD, Verb.CHANGE, "deleteServerGroup")
UPDATE_TARGET = Action(_WBD, Verb.CHANGE, "updateDetectionTarget")


@dataclass(frozen=True, slots=True)
class NewServer:
    instance_no: str
    server_name: str
    host_name: str | None = None
    ip_address: str | None = None
    group_name: str | None = None
    agent_status: AgentStatus = AgentStatus.ENABLE


def _required(field: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise InvalidInput(field, "is required")
    return value.strip()


class DetectionTargetService:
    def __init__(self, store: Store, clock: Clock = now_ms) -> None:
        self._store = store
        self._clock = clock

    def register(self, member_no: int, new: NewServer) -> Server:
        """Add or update a server of the account (the CLI and the API both use this)."""
        instance_no = _required("instanceNo", new.instance_no)
        server = Server(
            instance_no=instance_no,
            member_no=member_no,
            server_name=_required("serverName", new.server_name),
            host_name=new.host_name,
            ip_address=new.ip_address,
            group=None,
            agent_status=new.agent_status,
            memo=None,
            created_at=self._clock(),
        )
        existing = self._store.server(member_no, instance_no)
        if existing is not None:
            server = replace(server, memo=existing.memo)
        group = new.group_name.strip() if new.group_name and new.group_name.strip() else None
        return self._store.register_server(server, group)

    def add(self, caller: Principal, new: NewServer) -> Server:
        authorize(caller, ADD_TARGET)
        return self.register(caller.member_no, new)

    def search(
        self, caller: Principal, query: ServerQuery, page_index: int, page_size: int, searching: bool
    ) -> Page[Server]:
        authorize(caller, SEARCH_TARGETS if searching else VIEW_TARGETS)
        found = search_servers(self._store.servers(caller.member_no), query)
        return page_of(found, page_index, page_size)

    def _server(self, caller: Principal, instance_no: str) -> Server:
        # No id holds U+0000 (and PostgreSQL text cannot even be asked for one).
        server = None if "\x00" in instance_no else self._store.server(caller.member_no, instance_no)
        if server is None:
            raise NotFound("server", instance_no)
        return server

    def set_memo(self, caller: Principal, instance_no: str, memo: str | None) -> Server:
        authorize(caller, UPDATE_TARGET)
        server = replace(self._server(caller, instance_no), memo=memo)
        self._store.update_server(server)
        return server

    def set_agent(self, caller: Principal, instance_no: str, active: bool) -> Server:
        authorize(caller, UPDATE_TARGET)
        status = AgentStatus.ENABLE if active else AgentStatus.DISABLE
        server = replace(self._server(caller, instance_no), agent_status=status)
        self._store.update_server(server)
        return server

    def delete_group(self, caller: Principal, group_id: str) -> None:
        authorize(caller, DELETE_GROUP)
        known = "\x00" not in group_id  # (PostgreSQL text cannot even be asked for U+0000)
        if not known or not self._store.delete_server_group(caller.member_no, group_id, self._clock()):
            raise NotFound("server group", group_id)
