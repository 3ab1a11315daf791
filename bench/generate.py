"""GENERATED benchmark data: synthetic IPS events, not real traffic.

Writes native NDJSON (one `ipsDataList`-shaped record per line, without `ticketId`,
see secmon.wire.ncp_sm.parse_ips_record) to a file named `generated-ips-events.ndjson`.
Every value is made up from a fixed random seed, so two runs write the same bytes:

- a few hundred signature names built from templates in the style of the cloud's
  IPS (Deep Security) and ET Open, with Zipf-like frequencies (a few names are most
  of the traffic, a long tail is rare);
- each signature has one attack type, a protocol (TCP, UDP or ICMP) and usual ports;
- attackers come from a large pool of public-looking addresses (about 5% IPv6), with a
  few noisy scanners; targets from a small internal pool, each in one VPC, zone and region;
- detection times over 30 days with a day/night rhythm, written in time order.

The probe values the benchmark filters on (a substring, an attacker, a target...) are
chosen here too and returned with the file, so the questions match the data.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

FILE_NAME = "generated-ips-events.ndjson"
SEED = 20240701
DAY_MS = 86_400_000
#: 2024-07-01T00:00:00Z: the generated month starts here.
START_MS = 1_719_792_000_000

_VENDOR_PRODUCTS = (
    "Apache Struts",
    "Apache Tomcat",
    "Apache HTTP Server",
    "Apache Log4j",
    "Microsoft Exchange Server",
    "Microsoft IIS",
    "Microsoft SMB",
    "Oracle WebLogic Server",
    "VMware vCenter Server",
    "Atlassian Confluence",
    "Citrix ADC",
    "Fortinet FortiOS",
    "F5 BIG-IP",
    "PHPUnit",
    "WordPress Plugin",
    "Drupal Core",
    "Jenkins",
    "GitLab",
    "Spring Framework",
    "Nginx",
    "OpenSSL",
    "Redis Server",
    "Elasticsearch",
    "ThinkPHP",
    "Zimbra Collaboration",
)
_PRODUCT_PORTS: dict[str, tuple[int, ...]] = {
    "Microsoft SMB": (445,),
    "Redis Server": (6379,),
    "Elasticsearch": (9200,),
    "Jenkins": (8080,),
    "Oracle WebLogic Server": (7001,),
}
_FLAWS = (
    ("Remote Code Execution Vulnerability", "Web Application Attack", 8),
    ("SQL Injection Vulnerability", "Web Application Attack", 6),
    ("Directory Traversal Vulnerability", "Web Application Attack", 4),
    ("Cross-Site Scripting Vulnerability", "Web Application Attack", 3),
    ("Authentication Bypass Vulnerability", "Attempted Administrator Privilege Gain", 3),
    ("Deserialization Vulnerability", "Attempted Administrator Privilege Gain", 2),
    ("Server-Side Request Forgery Vulnerability", "Attempted Information Leak", 2),
    ("Information Disclosure Vulnerability", "Attempted Information Leak", 2),
    ("Denial Of Service Vulnerability", "Attempted Denial of Service", 1),
)
_ET_RULES = (
    ("ET SCAN Suspicious inbound to {svc} port {port}", "Detection of a Network Scan", "TCP"),
    ("ET SCAN Potential SSH Scan OUTBOUND", "Detection of a Network Scan", "TCP"),
    ("ET SCAN NMAP -sS window {port}", "Detection of a Network Scan", "TCP"),
    ("ET POLICY {svc} Brute Force Attempt", "Attempted User Privilege Gain", "TCP"),
    ("ET DOS Possible {svc} Amplification Attack Inbound", "Attempted Denial of Service", "UDP"),
    ("ET DNS Query for Suspicious .{tld} Domain", "Potentially Bad Traffic", "UDP"),
    ("ET CINS Active Threat Intelligence Poor Reputation IP group {n}", "Misc Attack", "TCP"),
    ("ET DROP Spamhaus DROP Listed Traffic Inbound group {n}", "Misc Attack", "TCP"),
    ("ET MALWARE Possible {family} CnC Beacon", "A Network Trojan was detected", "TCP"),
    ("GPL ICMP_INFO PING {os}", "Misc activity", "ICMP"),
    ("ET ICMP Large ICMP Packet {n}", "Potentially Bad Traffic", "ICMP"),
)
_SERVICES = (("MSSQL", 1433), ("MySQL", 3306), ("RDP", 3389), ("SSH", 22), ("Telnet", 23), ("SMB", 445))
_UDP_SERVICES = (("DNS", 53), ("NTP", 123), ("SSDP", 1900), ("Memcached", 11211), ("CLDAP", 389))
_FAMILIES = ("Mirai", "Emotet", "Cobalt Strike", "AsyncRAT", "Gh0st", "Sliver", "QakBot", "Remcos")
_TLDS = ("top", "xyz", "tk", "cn", "ru", "su")
_OSES = ("Windows", "Linux", "BSDtype", "NMAP", "Cisco Type.x")

#: Region display name → its zones; weights are the share of targets there.
_REGIONS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Korea", ("KR-1", "KR-2"), 70),
    ("Japan", ("JPN-1",), 10),
    ("Singapore", ("SGN-4",), 8),
    ("U.S.", ("USWN-1",), 7),
    ("Germany", ("DEN-1",), 5),
)
_VPC_NAMES = ("prod", "dev", "web", "api", "sm", "shop", "batch")


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    attack_type: str
    protocol: str
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Target:
    ip: str
    region: str
    zone: str
    vpc: str


@dataclass(frozen=True, slots=True)
class Probes:
    """Values the benchmark filters on, chosen to be present in the data."""

    day_start: int
    day_end: int
    month_start: int
    month_end: int
    event_name_substring: str
    attacker_ip: str
    target_ip: str
    attack_type: str
    protocol: str
    zone_name: str
    region_code: str
    region_name: str


def _signatures(rng: random.Random) -> list[Signature]:
    out: list[Signature] = []
    cve = itertools.count(rng.randrange(20000, 30000), 7)
    for product, (flaw, attack_type, repeats) in itertools.product(_VENDOR_PRODUCTS, _FLAWS):
        for _ in range(rng.randrange(repeats + 1) // 3 + (1 if rng.random() < 0.6 else 0)):
            year = rng.choice((2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024))
            name = f"Deep Security {product} {flaw} (CVE-{year}-{next(cve)})"
            ports: tuple[int, ...] = _PRODUCT_PORTS.get(product, (443, 80, 8080, 8443))
            out.append(Signature(name, attack_type, "TCP", ports))
    for template, attack_type, protocol in _ET_RULES:
        for _ in range(rng.randrange(3, 12)):
            svc, port = rng.choice(_UDP_SERVICES if protocol == "UDP" else _SERVICES)
            name = template.format(
                svc=svc,
                port=port,
                n=rng.randrange(1, 120),
                family=rng.choice(_FAMILIES),
                tld=rng.choice(_TLDS),
                os=rng.choice(_OSES),
            )
            ports = () if protocol == "ICMP" else (port,)
            out.append(Signature(name, attack_type, protocol, ports))
    unique = {s.name: s for s in out}
    names = sorted(unique)
    rng.shuffle(names)
    return [unique[n] for n in names]


def _public_ipv4(rng: random.Random) -> str:
    while True:
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if addr.is_global and not addr.is_multicast:
            return str(addr)


def _attackers(rng: random.Random, size: int) -> list[str]:
    pool: set[str] = set()
    while len(pool) < size:
        if rng.random() < 0.05:
            prefix = rng.choice((0x2A01, 0x2400, 0x2600, 0x2803, 0x2C0F))
            pool.add(str(ipaddress.IPv6Address((prefix << 112) | rng.getrandbits(112))))
        else:
            pool.add(_public_ipv4(rng))
    out = sorted(pool)
    rng.shuffle(out)
    return out


def _targets(rng: random.Random, size: int) -> list[Target]:
    out: list[Target] = []
    weights = [w for _, _, w in _REGIONS]
    seen: set[str] = set()
    while len(out) < size:
        region_index = rng.choices(range(len(_REGIONS)), weights)[0]
        region, zones, _ = _REGIONS[region_index]
        vpc_index = rng.randrange(len(_VPC_NAMES))
        ip = f"10.{10 * (1 + region_index) + vpc_index}.{rng.randrange(256)}.{rng.randrange(2, 255)}"
        if ip in seen:
            continue
        seen.add(ip)
        prefix = zones[0].split("-")[0].lower()
        out.append(Target(ip, region, rng.choice(zones), f"{prefix}-{_VPC_NAMES[vpc_index]}-vpc"))
    return out


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (k**s) for k in range(1, n + 1)]


def _times(rng: random.Random, n: int, days: int) -> list[int]:
    """Sorted epoch ms: busier in the (Korean) working day, quieter at night."""
    hour_weights = [0.5 + 0.5 * (1 if 0 <= h < 10 else 0) + 0.2 * rng.random() for h in range(24)]
    hours = rng.choices(range(days * 24), [hour_weights[h % 24] for h in range(days * 24)], k=n)
    return sorted(START_MS + h * 3_600_000 + rng.randrange(3_600_000) for h in hours)


def generate(out_dir: Path, events: int, days: int = 30, seed: int = SEED) -> tuple[Path, Probes]:
    """Write `events` generated records to out_dir/generated-ips-events.ndjson."""
    rng = random.Random(seed)
    signatures = _signatures(rng)
    attackers = _attackers(rng, 100_000)
    noisy = attackers[:1000]
    targets = _targets(rng, 400)
    sig_picks = rng.choices(signatures, _zipf_weights(len(signatures), 1.1), k=events)
    target_picks = rng.choices(targets, _zipf_weights(len(targets), 0.8), k=events)
    noisy_weights = _zipf_weights(len(noisy), 1.0)
    times = _times(rng, events, days)

    path = out_dir / FILE_NAME
    day_start = START_MS + (days // 2) * DAY_MS + 37_123_456  # not on an hour boundary
    day_end = day_start + DAY_MS - 1
    in_day: Counter[str] = Counter()
    with path.open("wb") as f:
        for when, sig, target in zip(times, sig_picks, target_picks, strict=True):
            if rng.random() < 0.4:
                attacker = rng.choices(noisy, noisy_weights)[0]
            else:
                attacker = attackers[rng.randrange(len(attackers))]
            if day_start <= when <= day_end:
                in_day[attacker] += 1
            record = {
                "date": when,
                "product": "IPS_V2",
                "eventNm": sig.name,
                "attackType": sig.attack_type,
                "attackerIp": attacker,
                "attackerPort": None if sig.protocol == "ICMP" else rng.randrange(1024, 65536),
                "targetIp": target.ip,
                "targetPort": rng.choice(sig.ports) if sig.ports else None,
                "protocol": sig.protocol,
                "detect": 1 if rng.random() < 0.9 else rng.randrange(2, 30),
                "region": target.region,
                "zoneName": target.zone,
                "platForm": "VPC",
                "vpcName": target.vpc,
            }
            f.write(orjson.dumps(record))
            f.write(b"\n")
    # An attacker an analyst would look up: busy that day, but not the noisiest.
    ranked = [ip for ip, _ in in_day.most_common(50)]
    attacker_ip = ranked[min(9, len(ranked) - 1)] if ranked else attackers[0]
    target_ip = targets[5].ip  # the sixth busiest target (target weights are Zipf by position)
    probes = Probes(
        day_start=day_start,
        day_end=day_end,
        month_start=START_MS,
        month_end=START_MS + days * DAY_MS - 1,
        event_name_substring="sql injection",
        attacker_ip=attacker_ip,
        target_ip=target_ip,
        attack_type="Attempted Information Leak",
        protocol="UDP",
        zone_name="KR-2",
        region_code="JPN",
        region_name="Japan",
    )
    return path, probes
