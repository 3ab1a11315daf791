from tests.conftest import SignedApi, TenantFactory


def test_signed_request_over_socket(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    body = {"startDateTime": 0, "endDateTime": 10, "page": 1, "countPerPage": 20}
    response = api.post(tenant, "/vsecuritymonitoring/v1/getIPSList", body)
    assert response.status_code == 200
    assert response.json() == {
        "returnCode": 0,
        "ipsDataList": [],
        "returnMessage": "SUCCESS",
        "totalRows": 0,
        "page": 1,
    }
