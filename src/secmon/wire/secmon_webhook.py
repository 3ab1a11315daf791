"""The JSON secmon posts to webhook targets: a summary of new detections."""

from __future__ import annotations

from collections import Counter
from typing import Any

from secmon.domain.detections import Detection
from secmon.wire.ncp_wbd_detections import detection_item

MAX_ITEMS = 20


def summary_payload(member_no: int, since: int | None, until: int, found: list[Detection]) -> dict[str, Any]:
    by_rule = Counter(d.rule_id for d in found)
    return {
        "source": "secmon",
        "kind": "wbd.detections",
        "memberNo": member_no,
        "from": since,
        "to": until,
        "newDetections": len(found),
        "byRule": dict(sorted(by_rule.items())),
        "detections": [detection_item(d) for d in found[:MAX_ITEMS]],
    }
