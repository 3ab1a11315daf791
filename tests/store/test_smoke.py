from secmon.domain.events import IpsEvent, IpsQuery, Platform
from secmon.store import Store


def test_events_round_trip(store: Store) -> None:
    account = store.create_account("acme", 1)
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=1000, event_name="x", protocol="TCP")])
    page = store.search_ips_events(account.member_no, IpsQuery(Platform.VPC, 0, 5000))
    assert page.total == 1
    assert page.events[0].event.protocol == "TCP"
