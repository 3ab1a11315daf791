from tests.conftest import SignedApi, TenantFactory


def test_rule_lifecycle_smoke(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    created = api.wbd(
        "POST",
        t,
        "/secmon/v1/wbd/exception-rules",
        {
            "exceptedRuleName": "php sh",
            "exceptTargetType": "everyServer",
            "processName": "/bin/sh",
            "processNameOfParent": "php-fpm",
            "processNameOfParentCondition": "START",
        },
    )
    assert created["success"] is True, created
    rule = created["result"]
    assert len(rule["exceptedRuleId"]) == 22
    listed = api.wbd("GET", t, "/api/v1/exception-rules?pageIndex=0&pageSize=20")
    assert listed["result"]["totalCount"] == 1
    deleted = api.wbd("DELETE", t, f"/api/v1/exception-rules/{rule['exceptedRuleId']}")
    assert deleted == {"success": True, "code": 0, "message": "success", "result": None}
    found = api.wbd("POST", t, "/api/v1/deleted-exception-rules", {"exceptedRuleName": "PHP"})
    assert found["result"]["content"][0]["isDeleted"] is True
    missing = api.wbd("GET", t, "/api/v1/exception-rules", platform=None)
    assert missing == {"success": False, "code": 400, "message": "Platform must be not null.", "result": None}
