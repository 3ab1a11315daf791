"""IPS event use cases."""

from __future__ import annotations

from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.events import IpsPage, IpsQuery
from secmon.service.auth import authorize
from secmon.store.base import Store

VIEW_IPS_LIST = Action(Product.SECURITY_MONITORING, Verb.VIEW, "getIPSList")


class IpsService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list_events(self, caller: Principal, query: IpsQuery) -> IpsPage:
        """getIPSList: one page of the caller's own account's events."""
        authorize(caller, VIEW_IPS_LIST)
        return self._store.search_ips_events(caller.member_no, query)
