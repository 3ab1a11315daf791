"""`make bench`: getIPSList latency over HTTP against two baselines, and ingest speed.

Generates N IPS events over 30 days (default 1,000,000; the data is synthetic, see
generate.py), loads them with `secmon ingest ips`, serves them with `secmon serve`, and
asks getIPSList (page 1 of 20) for a 1-day window alone and with each filter, and for
the whole 30 days. Each question is also asked

- of the floor: plain sqlite3, in this process, on secmon's database file — the same
  count and page as SQL on secmon's table and indexes, with no HTTP and no Python
  framework in the way;
- of datasette's table JSON API, over the same records loaded by `sqlite-utils insert
  --nl` (indexes on the time and the two addresses).

Prints median and p99 latency per question, the ratios, whether each aim is met
(median under 20 ms; at most 3 × the floor plus one HTTP round trip; at most half of
datasette), and the load rates. A missed aim is reported, not a failure.

    .venv/bin/python bench/run.py --tools .venv-bench/bin [--events 100000] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import platform
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from generate import Probes, generate
from report import Load, ShapeResult, loads, summary, table
from shapes import Shape, shapes
from timing import Stats, free_port, measure, run_timed, server

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
IPS_PATH = "/vsecuritymonitoring/v1/getIPSList"
HEALTH_PATH = "/secmon/v1/health"
DATASETTE_DB = "ips"  # datasette names the database after the file stem
DATASETTE_TABLE = "ips"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events to generate (default 1,000,000)"
    )
    parser.add_argument(
        "--tools",
        type=Path,
        default=REPO / ".venv-bench" / "bin",
        help="directory holding the sqlite-utils and datasette executables (default .venv-bench/bin)",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per question (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (bench/out/work)")
    return parser.parse_args(argv)


# -- secmon over HTTP


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str

    def headers(self, method: str, uri: str) -> dict[str, str]:
        """Signature v2, computed here with the stdlib (as any client would)."""
        timestamp = str(int(time.time() * 1000))
        message = f"{method} {uri}\n{timestamp}\n{self.access_key}".encode()
        digest = hmac.new(self.secret_key.encode(), message, hashlib.sha256).digest()
        return {
            "x-ncp-apigw-timestamp": timestamp,
            "x-ncp-iam-access-key": self.access_key,
            "x-ncp-apigw-signature-v2": base64.b64encode(digest).decode(),
        }


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}: {response.text[:500]}")
    return response


@dataclass
class Answer:
    total: int
    dates: list[int]
    ticket_ids: list[int] | None = None


def secmon_measure(
    http: httpx.Client, creds: Credentials, shape: Shape, requests: int, warmup: int
) -> tuple[Stats, Answer]:
    body = orjson.dumps(shape.body())

    def ask(headers: dict[str, str]) -> httpx.Response:
        return _ok(http.post(IPS_PATH, content=body, headers=headers))

    first = ask(creds.headers("POST", IPS_PATH)).json()
    if first.get("returnCode") != 0:
        raise RuntimeError(f"getIPSList {shape.name}: {first}")
    answer = Answer(
        total=first["totalRows"],
        dates=[int(item["date"]) for item in first["ipsDataList"]],
        ticket_ids=[int(item["ticketId"]) for item in first["ipsDataList"]],
    )
    return measure(ask, lambda: creds.headers("POST", IPS_PATH), requests, warmup), answer


def floor_measure(db: Path, member_no: int, shape: Shape, requests: int, warmup: int) -> tuple[Stats, Answer]:
    conn = sqlite3.connect(db)
    try:
        (count_sql, count_params), (page_sql, page_params) = shape.floor_queries(member_no)

        def ask(_: None) -> tuple[Any, list[Any]]:
            total = conn.execute(count_sql, count_params).fetchone()
            rows = conn.execute(page_sql, page_params).fetchall()
            return total, rows

        total, rows = ask(None)
        answer = Answer(total=int(total[0]), dates=[r[2] for r in rows], ticket_ids=[r[0] for r in rows])
        return measure(ask, lambda: None, requests, warmup), answer
    finally:
        conn.close()


# -- datasette


def datasette_load(tools: Path, data: Path, work: Path, events: int) -> tuple[Path, Load]:
    db = work / f"{DATASETTE_DB}.db"
    utils = str(tools / "sqlite-utils")
    insert_s, _ = run_timed([utils, "insert", str(db), DATASETTE_TABLE, str(data), "--nl"])
    index_s = 0.0
    for column in ("date", "attackerIp", "targetIp"):
        seconds, _ = run_timed([utils, "create-index", str(db), DATASETTE_TABLE, column])
        index_s += seconds
    note = f"then {index_s:.1f} s for indexes on date, attackerIp, targetIp"
    return db, Load("sqlite-utils insert --nl", events, insert_s, note)


def datasette_measure(http: httpx.Client, shape: Shape, requests: int, warmup: int) -> tuple[Stats, Answer]:
    path = f"/{DATASETTE_DB}/{DATASETTE_TABLE}.json?{shape.datasette_query()}"

    def ask(_: None) -> httpx.Response:
        return _ok(http.get(path))

    first = ask(None).json()
    date_at = first["columns"].index("date")
    total = first["filtered_table_rows_count"]
    if total is None:
        raise RuntimeError(f"datasette gave no count for {shape.name} (time limit?)")
    answer = Answer(total=int(total), dates=[row[date_at] for row in first["rows"]])
    return measure(ask, lambda: None, requests, warmup), answer


# -- the run


def disagreements(secmon: Answer, floor: Answer, datasette: Answer | None) -> tuple[str, ...]:
    found = []
    if secmon.total != floor.total:
        found.append(f"totalRows {secmon.total:,} but the floor counts {floor.total:,}")
    if secmon.ticket_ids != floor.ticket_ids:
        found.append("first page differs from the floor's")
    if datasette is not None:
        if secmon.total != datasette.total:
            found.append(f"totalRows {secmon.total:,} but datasette counts {datasette.total:,}")
        if secmon.dates != datasette.dates:
            found.append("first page's dates differ from datasette's")
    return tuple(found)


def _secmon_cli(argv: list[str], env: dict[str, str]) -> tuple[float, Any]:
    seconds, out = run_timed([str(Path(sys.executable).parent / "secmon"), *argv, "--json"], env)
    return seconds, orjson.loads(out)


Measured = dict[str, tuple[Stats, Answer]]


@dataclass
class SecmonRun:
    load: Load
    rtt: Stats
    secmon: Measured
    floor: Measured


def secmon_phase(args: argparse.Namespace, work: Path, data: Path, the_shapes: list[Shape]) -> SecmonRun:
    """Load with `secmon ingest ips`, serve with `secmon serve`; time it and the floor."""
    db = work / "secmon.db"
    url = f"sqlite:///{db}"
    env = {"SECMON_KEY_FILE": str(work / "master.key"), "SECMON_DB": url}
    _, account = _secmon_cli(["account", "create", "--name", "bench"], env)
    _, key = _secmon_cli(["key", "create", "--account", "bench"], env)
    creds = Credentials(key["accessKey"], key["secretKey"])
    ingest_s, report = _secmon_cli(["ingest", "ips", str(data), "--account", "bench"], env)
    if report["events"] != args.events:
        raise RuntimeError(f"secmon ingest stored {report['events']} events, not {args.events}: {report}")
    load = Load("secmon ingest ips", args.events, ingest_s, "the whole command, process start included")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(Path(sys.executable).parent / "secmon"), "serve", "--db", url]
    serve += ["--host", "127.0.0.1", "--port", str(port)]
    secmon: Measured = {}
    floor: Measured = {}
    with (
        server(serve, work / "secmon-serve.log", base + HEALTH_PATH, env),
        httpx.Client(base_url=base, timeout=60) as http,
    ):

        def health(_: None) -> httpx.Response:
            return _ok(http.get(HEALTH_PATH))

        rtt = measure(health, lambda: None, args.requests, args.warmup)
        for shape in the_shapes:
            secmon[shape.name] = secmon_measure(http, creds, shape, args.requests, args.warmup)
            floor[shape.name] = floor_measure(db, account["memberNo"], shape, args.requests, args.warmup)
        # The round trip again after the questions, so a slow spell does not skew it alone.
        rtt = Stats(rtt.samples + measure(health, lambda: None, args.requests, args.warmup).samples)
    return SecmonRun(load, rtt, secmon, floor)


def datasette_phase(
    args: argparse.Namespace, work: Path, data: Path, the_shapes: list[Shape]
) -> tuple[Load, Measured]:
    """Load with `sqlite-utils insert --nl`, serve with `datasette serve`; time it."""
    tools: Path = args.tools
    db, load = datasette_load(tools, data, work, args.events)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(tools / "datasette"), "serve", "-i", str(db), "--host", "127.0.0.1", "--port", str(port)]
    # No SQL time limit (counts must finish) and no facet suggestions (not asked for).
    argv += ["--setting", "sql_time_limit_ms", "60000", "--setting", "suggest_facets", "off"]
    measured: Measured = {}
    with (
        server(argv, work / "datasette.log", base + "/-/versions.json"),
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        for shape in the_shapes:
            measured[shape.name] = datasette_measure(http, shape, args.requests, args.warmup)
    return load, measured


def run(args: argparse.Namespace, work: Path) -> None:
    tools: Path = args.tools
    has_tools = (tools / "datasette").exists() and (tools / "sqlite-utils").exists()
    print(f"secmon getIPSList benchmark: {args.events:,} generated IPS events over 30 days")
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {args.requests} timed requests per question after {args.warmup} "
        "warm-up; times in ms"
    )
    if not has_tools:
        print(f"(no sqlite-utils/datasette in {tools}: datasette columns skipped; see `make bench`)")

    started = time.perf_counter()
    data, probes = generate(work, args.events)
    size_mb = data.stat().st_size / 1e6
    print(f"generated {data.name} ({size_mb:,.0f} MB) in {time.perf_counter() - started:.1f} s")

    the_shapes = shapes(probes)
    ours = secmon_phase(args, work, data, the_shapes)
    loads_done = [ours.load]
    theirs: Measured = {}
    if has_tools:
        ds_load, theirs = datasette_phase(args, work, data, the_shapes)
        loads_done.append(ds_load)

    results = []
    for shape in the_shapes:
        s_stats, s_answer = ours.secmon[shape.name]
        f_stats, f_answer = ours.floor[shape.name]
        d_stats, d_answer = theirs.get(shape.name, (None, None))
        problems = disagreements(s_answer, f_answer, d_answer)
        results.append(ShapeResult(shape.name, s_answer.total, s_stats, f_stats, d_stats, problems))
    _print(results, ours.rtt, loads_done, probes, args.events)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


def _print(
    results: list[ShapeResult], rtt: Stats, load_rows: list[Load], probes: Probes, events: int
) -> None:
    print(
        f"\ngetIPSList, page 1 of 20, newest first. HTTP round trip (GET {HEALTH_PATH}): "
        f"median {rtt.median:.2f} ms, p99 {rtt.p99:.2f} ms"
    )
    print(
        f"filters: eventNm={probes.event_name_substring!r} attackIp={probes.attacker_ip} "
        f"targetIp={probes.target_ip} attackType={probes.attack_type!r} protocol={probes.protocol} "
        f"zoneName={probes.zone_name} regionCode={probes.region_code}"
    )
    print("floor = plain sqlite3 in this process: SELECT count(*) + SELECT ... LIMIT 20 on secmon's tables\n")
    print(table(results, rtt))
    print("\naims (median latency):")
    print(summary(results, rtt))
    problems = [(r.name, p) for r in results for p in r.disagreements]
    if problems:
        print("\nANSWERS DISAGREE:")
        for name, problem in problems:
            print(f"  {name}: {problem}")
    else:
        others = ", the floor and datasette" if results[0].datasette else " and the floor"
        print(f"\nsecmon{others} agree on totalRows and on page 1 for every question.")
    month = results[-1]
    exact = "exact: every event generated" if month.total == events else f"NOT the {events:,} generated"
    print(f"{month.name}, no filter: totalRows {month.total:,} ({exact}).")
    print("\nload rate:")
    print(loads(load_rows))
    if len(load_rows) > 1:
        print(f"  secmon ÷ sqlite-utils: {load_rows[0].rate / load_rows[1].rate:.2f}×")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = OUT / "work"
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
