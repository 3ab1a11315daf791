"""`make bench`: `secmon ingest suricata` speed and memory, against a floor and sqlite-utils.

Generates N Suricata EVE alerts (default 1,000,000, about 1 KB each; synthetic, see
generate_eve.py; the file is bench/out/generated-eve-alerts.json) and loads them into
fresh SQLite databases with

- the real command, `secmon ingest suricata FILE --account bench --region KR --zone
  KR-2`, once with `--aggregate-window 0` (one event per alert: the 1:1 number) and once
  with the default 60 s aggregation, then (1:1) on the first quarter and the first half
  of the file, to show that peak memory does not grow with the file;
- the floor: a child Python process that does only what any loader must — orjson
  parses each line, the columns are picked out (label text → id via a dict, addresses
  → 16-byte keys, timestamps via datetime.fromisoformat), and `executemany` inserts
  batches of secmon's batch size, one transaction each, into a table with the columns
  and indexes of secmon's ips_events (the statements are read from secmon's SQLite
  migrations) on a connection with secmon's PRAGMAs;
- `sqlite-utils insert --nl --alter` (what a user might do instead).

Each of these runs `--repeat` times (default 3), in interleaved rounds, and the fastest
run counts — on a shared machine a busy moment should not decide an aim; every run's
time is printed. Every rate is of the whole command, process start included; CPU time
and peak memory count the command and any helper process it starts (for a big file
secmon parses in a second process while the first writes): peak memory is the resident
memory of its process tree, summed, sampled every 20 ms. Prints alerts/s, the ratios,
peak memory and whether each aim is met (≥ 100,000 alerts/s; within 2× of the floor; at
least 3× sqlite-utils; memory flat in the file size). A missed aim is reported, not a
failure.

    .venv/bin/python bench/ingest.py --tools .venv-bench/bin [--alerts 1000000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from generate_eve import FILE_NAME

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
MIGRATIONS = REPO / "src" / "secmon" / "store" / "migrations" / "sqlite"
SECMON = Path(sys.executable).parent / "secmon"
ACCOUNT = "bench"
#: Sensor facts from flags, as a user would give them (the floor stores the same ids).
SENSOR_FLAGS = ("--region", "KR", "--zone", "KR-2")

#: The loaders' names, as printed.
ONE_TO_ONE = "secmon --aggregate-window 0"
AGGREGATED = "secmon (60 s aggregation)"
SQLITE_UTILS = "sqlite-utils insert --nl"

#: The aims, from issue 3.
MIN_RATE = 100_000
MAX_FLOOR_FACTOR = 2.0
MIN_SQLITE_UTILS_FACTOR = 3.0
#: "Flat": the whole file's peak RSS at most this much above its first half's.
MAX_RSS_GROWTH = 1.15


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--alerts", type=int, default=1_000_000, help="alerts to generate (default 1,000,000)"
    )
    parser.add_argument(
        "--tools",
        type=Path,
        default=REPO / ".venv-bench" / "bin",
        help="directory holding the sqlite-utils executable (default .venv-bench/bin)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each loader, in interleaved rounds; the fastest counts (default 3: the "
        "machine may be shared, and a busy moment should not decide an aim)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases (bench/out/ingest-work)")
    # Internal: the floor runs as a child process, so its memory and start-up count alike.
    parser.add_argument("--floor-child", nargs=2, metavar=("DB", "DATA"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- running children


@dataclass(frozen=True)
class Run:
    name: str
    alerts: int
    seconds: float
    #: peak resident memory of the command and any helper process it started
    max_rss_kb: int
    #: user + system CPU time of the command and any helper process it started
    cpu_seconds: float
    stdout: str
    note: str = ""

    @property
    def rate(self) -> float:
        return self.alerts / self.seconds

    @property
    def rss_mb(self) -> float:
        return self.max_rss_kb / 1024


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (0 if gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


class _TreeSampler(threading.Thread):
    """The peak of a process tree's summed resident memory, sampled every 20 ms (a
    helper process's memory counts too; wait4's ru_maxrss is only the largest one)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        # Until the child has exec'd, /proc shows this process's own memory (fork/vfork).
        ours = Path("/proc/self/cmdline").read_bytes()
        while not self.done.wait(0.02):
            try:
                if Path(f"/proc/{self.pid}/cmdline").read_bytes() == ours:
                    continue
            except FileNotFoundError:
                continue
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))


def run_child(
    name: str, alerts: int, argv: list[str], env: dict[str, str] | None = None, note: str = ""
) -> Run:
    """Run a command to completion: wall time, CPU time (its own and its children's) and
    peak memory (the sum over its process tree, sampled)."""
    out_path = OUT / f".{os.getpid()}.out"
    with out_path.open("wb") as out, open(os.devnull, "wb") as devnull:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.PIPE, stdin=devnull, env={**os.environ, **(env or {})}
        )
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        assert proc.stderr is not None
        err = proc.stderr.read()  # small (warnings at most), so reading it cannot block the child
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text()
    out_path.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    # ru_maxrss counts this process's own size at the fork too (Linux carries the
    # forked memory's high-water mark across exec): the samples, taken after the exec,
    # are the truth; ru_maxrss only for a command too short to be sampled.
    peak = sampler.peak_kb or usage.ru_maxrss
    return Run(name, alerts, elapsed, peak, usage.ru_utime + usage.ru_stime, stdout, note)


def _fresh(db: Path) -> Path:
    """`db`, with any earlier attempt's database (and its WAL) removed."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def _scalar(db: Path, sql: str) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# -- secmon


def secmon_run(name: str, work: Path, data: Path, alerts: int, window: int) -> Run:
    db = _fresh(work / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".db"))
    env = {"SECMON_DB": f"sqlite:///{db}", "SECMON_KEY_FILE": str(work / "master.key")}
    subprocess.run(
        [str(SECMON), "account", "create", "--name", ACCOUNT, "--json"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    argv = [str(SECMON), "ingest", "suricata", str(data), "--account", ACCOUNT, *SENSOR_FLAGS]
    argv += ["--aggregate-window", str(window), "--json"]
    run = run_child(name, alerts, argv, env)
    report = orjson.loads(run.stdout)
    if report["accepted"] != alerts or report["malformed"] or report["skipped"]:
        raise RuntimeError(f"secmon accepted {report}, not all {alerts:,} alerts")
    stored, detects = (
        _scalar(db, "SELECT count(*) FROM ips_events"),
        _scalar(db, "SELECT sum(detect) FROM ips_events"),
    )
    if detects != alerts or (window == 0 and stored != alerts):
        raise RuntimeError(f"{name}: {stored:,} events with Σ detect {detects:,} for {alerts:,} alerts")
    note = "1 event per alert" if window == 0 else f"{stored:,} events, Σ detect = {detects:,}"
    return replace(run, note=note)


# -- the floor


def _ips_events_schema() -> list[str]:
    """secmon's CREATE TABLE / ALTER TABLE / CREATE INDEX statements for ips_events, in order."""
    statements = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        text = re.sub(r"--[^\n]*", "", path.read_text())
        for statement in text.split(";"):
            words = statement.split()
            table = words[2:3] if words[1:2] == ["TABLE"] else words[4:5]
            if words[:2] in (["CREATE", "TABLE"], ["ALTER", "TABLE"], ["CREATE", "INDEX"]) and table == [
                "ips_events"
            ]:
                statements.append(statement.strip())
    if not any(s.startswith("CREATE TABLE") for s in statements):
        raise RuntimeError(f"no CREATE TABLE ips_events in {MIGRATIONS}")
    return statements


_INSERT = """INSERT INTO ips_events (
    member_no, platform, detected_at, event_name_id, attack_type_id, protocol_id,
    region_id, zone_id, vpc_id, attacker_ip, attacker_key, attacker_port,
    target_ip, target_key, target_port, detect, signature_id, severity, action_id,
    flow_id, app_proto_id, agg_key
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def floor_child(db: Path, data: Path) -> int:
    """The floor's loader (runs in a child process): see the module docstring."""
    import socket
    from datetime import UTC, datetime

    from secmon.service.ingest import BATCH_SIZE
    from secmon.store.sqlite import SqliteStore

    # secmon's writer connection, PRAGMAs and all (the tables come from its migrations).
    conn = SqliteStore(f"sqlite:///{db}")._writer
    for statement in _ips_events_schema():
        conn.execute(statement)
    counter = itertools.count(1)
    labels: dict[tuple[int, str], int] = {}

    def label(kind: int, value: str | None) -> int:
        if not value:
            return 0
        ident = labels.get((kind, value))
        if ident is None:
            ident = labels[(kind, value)] = next(counter)
        return ident

    v4_prefix = b"\x00" * 10 + b"\xff\xff"

    def key(ip: str) -> bytes:
        if ":" in ip:
            return socket.inet_pton(socket.AF_INET6, ip)
        return v4_prefix + socket.inet_pton(socket.AF_INET, ip)

    def ms(text: str) -> int:
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return int(stamp.timestamp() * 1000)

    region, zone = label(4, "KR"), label(5, "KR-2")
    loads = orjson.loads
    rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT, rows)
        conn.execute("COMMIT")
        rows.clear()

    count = 0
    with data.open("rb") as f:
        for line in f:
            r = loads(line)
            a = r["alert"]
            src, dst = r["src_ip"], r["dest_ip"]
            rows.append(
                (
                    1,
                    1,
                    ms(r["timestamp"]),
                    label(1, a["signature"]),
                    label(2, a.get("category")),
                    label(3, r.get("proto")),
                    region,
                    zone,
                    0,
                    src,
                    key(src),
                    r.get("src_port"),
                    dst,
                    key(dst),
                    r.get("dest_port"),
                    1,
                    a.get("signature_id"),
                    a.get("severity"),
                    label(7, a.get("action")),
                    r.get("flow_id"),
                    label(8, r.get("app_proto")),
                    None,
                )
            )
            count += 1
            if len(rows) >= BATCH_SIZE:
                flush()
    if rows:
        flush()
    conn.close()
    print(count)
    return 0


def floor_run(work: Path, data: Path, alerts: int) -> Run:
    db = _fresh(work / "floor.db")
    argv = [sys.executable, str(Path(__file__).resolve()), "--floor-child", str(db), str(data)]
    run = run_child("floor", alerts, argv, note="orjson + executemany, same table, indexes, PRAGMAs, batches")
    stored = _scalar(db, "SELECT count(*) FROM ips_events")
    if stored != alerts:
        raise RuntimeError(f"the floor stored {stored:,} rows, not {alerts:,}")
    return run


# -- sqlite-utils


def sqlite_utils_run(tools: Path, work: Path, data: Path, alerts: int) -> Run:
    db = _fresh(work / "sqlite-utils.db")
    # --alter: later records bring keys (tls, icmp_type...) the first batch did not have.
    argv = [str(tools / "sqlite-utils"), "insert", str(db), "alerts", str(data), "--nl", "--alter"]
    run = run_child(SQLITE_UTILS, alerts, argv, note="nested objects as JSON text, no indexes")
    stored = _scalar(db, "SELECT count(*) FROM alerts")
    if stored != alerts:
        raise RuntimeError(f"sqlite-utils stored {stored:,} rows, not {alerts:,}")
    return run


# -- data


#: Prefixes of the file also loaded (1:1), to compare peak memory: ¼ and ½ of the alerts.
PARTS = (4, 2)


def _data_files(alerts: int) -> tuple[Path, dict[int, Path]]:
    """The generated file (reused while generator and size are unchanged) and its first
    ¼ and ½ (`PARTS`), as files of their own."""
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / FILE_NAME
    prefixes = {part: OUT / FILE_NAME.replace(".json", f"-first-{alerts // part}.json") for part in PARTS}
    source = (Path(__file__).parent / "generate_eve.py").read_bytes()
    stamp = f"{alerts} {hashlib.sha256(source).hexdigest()}\n"
    stamp_file = OUT / (FILE_NAME + ".stamp")
    files = [data, stamp_file, *prefixes.values()]
    if all(f.exists() for f in files) and stamp_file.read_text() == stamp:
        print(f"reusing {data.name} ({data.stat().st_size / 1e6:,.0f} MB; generator and size unchanged)")
        return data, prefixes
    stamp_file.unlink(missing_ok=True)
    for old in OUT.glob(FILE_NAME.replace(".json", "-first-*.json")):
        old.unlink()
    started = time.perf_counter()
    # In a child process: this one stays small (see run_child on ru_maxrss).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from generate_eve import generate; "
            "generate(Path(sys.argv[1]), int(sys.argv[2]))",
            str(OUT),
            str(alerts),
        ],
        cwd=Path(__file__).parent,
        check=True,
    )
    for part, prefix in prefixes.items():
        with data.open("rb") as src, prefix.open("wb") as dst:
            dst.writelines(itertools.islice(src, alerts // part))
    stamp_file.write_text(stamp)
    print(
        f"generated {data.name} ({data.stat().st_size / 1e6:,.0f} MB, {alerts:,} alerts) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return data, prefixes


# -- the run


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def report(runs: dict[str, Run], parts: dict[int, Run], sqlite_utils: Run | None) -> None:
    print(f"\n{'loader':<40} {'alerts':>9} {'seconds':>7} {'CPU s':>6} {'alerts/s':>9} {'peak RSS':>9}")
    print("─" * 86)
    rows = [*runs.values(), *parts.values()] + ([sqlite_utils] if sqlite_utils else [])
    for r in rows:
        print(
            f"{r.name:<40} {r.alerts:>9,} {r.seconds:>7.2f} {r.cpu_seconds:>6.2f} {r.rate:>9,.0f} "
            f"{r.rss_mb:>6.0f} MB  {r.note}"
        )
    ours, floor = runs[ONE_TO_ONE], runs["floor"]
    floor_ratio = ours.rate / floor.rate
    print("\nratios (alerts/s, 1:1 run):")
    print(f"  secmon ÷ floor:        {floor_ratio:.2f}× (the floor is {1 / floor_ratio:.2f}× as fast)")
    if sqlite_utils is not None:
        print(f"  secmon ÷ sqlite-utils: {ours.rate / sqlite_utils.rate:.2f}×")
    for part, run in parts.items():
        print(
            f"  peak RSS, {ours.alerts:,} ÷ {run.alerts:,} alerts ({part}× the file): "
            f"{ours.max_rss_kb / run.max_rss_kb:.2f}× ({ours.rss_mb:.0f} MB vs {run.rss_mb:.0f} MB)"
        )
    # Flat: doubling the file (½ → all) leaves the peak where it was. (From ¼ the SQLite
    # page cache, 64 MB, is still filling up: the database is smaller than it.)
    growth = ours.max_rss_kb / parts[2].max_rss_kb
    print("\naims (secmon ingest suricata --aggregate-window 0):")
    print(f"  ≥ {MIN_RATE:,} alerts/s:          {_yes(ours.rate >= MIN_RATE)} ({ours.rate:,.0f})")
    print(
        f"  within {MAX_FLOOR_FACTOR:g}× of the floor:      "
        f"{_yes(floor.rate <= MAX_FLOOR_FACTOR * ours.rate)} "
        f"(floor {floor.rate:,.0f} ÷ secmon {ours.rate:,.0f} = {floor.rate / ours.rate:.2f}×)"
    )
    if sqlite_utils is None:
        print("  ≥ 3× sqlite-utils:            not measured (no sqlite-utils; see `make bench`)")
    else:
        factor = ours.rate / sqlite_utils.rate
        print(
            f"  ≥ {MIN_SQLITE_UTILS_FACTOR:g}× sqlite-utils:            "
            f"{_yes(factor >= MIN_SQLITE_UTILS_FACTOR)} ({factor:.2f}×)"
        )
    print(
        f"  memory flat in the file size: {_yes(growth <= MAX_RSS_GROWTH)} "
        f"(2× the alerts, {growth:.2f}× the peak RSS; flat = at most {MAX_RSS_GROWTH:.2f}×)"
    )
    agg = runs[AGGREGATED]
    print(f"  (with the default 60 s aggregation: {agg.rate:,.0f} alerts/s, peak RSS {agg.rss_mb:.0f} MB)")


def _best(tries: list[Run]) -> Run:
    """The fastest of a loader's runs (with every run's time in its note, and the
    highest peak memory of them all)."""
    best = min(tries, key=lambda r: r.seconds)
    if len(tries) == 1:
        return best
    times = ", ".join(f"{r.seconds:.1f}" for r in tries)
    return replace(best, max_rss_kb=max(r.max_rss_kb for r in tries), note=f"{best.note}; runs: {times} s")


def run(args: argparse.Namespace, work: Path) -> None:
    tools: Path = args.tools
    print(f"secmon ingest benchmark: {args.alerts:,} generated Suricata EVE alerts into SQLite")
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f} at the start); rates are whole "
        "commands, process start included"
    )
    started = time.perf_counter()
    data, prefixes = _data_files(args.alerts)
    loaders: dict[str, Callable[[], Run]] = {
        ONE_TO_ONE: lambda: secmon_run(ONE_TO_ONE, work, data, args.alerts, 0),
        AGGREGATED: lambda: secmon_run(AGGREGATED, work, data, args.alerts, 60),
        "floor": lambda: floor_run(work, data, args.alerts),
    }
    if (tools / "sqlite-utils").exists():
        loaders[SQLITE_UTILS] = lambda: sqlite_utils_run(tools, work, data, args.alerts)
    else:
        print(f"(no sqlite-utils in {tools}: that comparison is skipped; see `make bench`)")
    attempts: dict[str, list[Run]] = {name: [] for name in loaders}
    for _ in range(max(1, args.repeat)):
        for name, load in loaders.items():
            attempts[name].append(load())
    runs = {name: _best(tries) for name, tries in attempts.items()}
    sqlite_utils = runs.pop(SQLITE_UTILS, None)
    # Memory, not speed: one run each is enough.
    parts = {
        part: secmon_run(f"{ONE_TO_ONE}, first 1/{part}", work, prefix, args.alerts // part, 0)
        for part, prefix in prefixes.items()
    }
    report(runs, parts, sqlite_utils)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.floor_child:
        return floor_child(Path(args.floor_child[0]), Path(args.floor_child[1]))
    work = OUT / "ingest-work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    try:
        run(args, work)
    finally:
        if args.keep:
            print(f"\nwork directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
