"""The built-in webshell detection rules.

A webshell turns a web server (or the script engine behind it) into a remote shell:
the tell is *who* starts a process (a web/app server, directly or through a shell)
and *what* it runs (shells, recon, downloads, decoders, reverse shells, persistence,
binaries from writable web or temp directories). Each rule is a pure predicate over
one process event. Benign look-alikes — a PHP app shelling out to a PDF converter,
an image tool or a virus scanner — stay quiet.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from secmon.domain.process import ProcessEvent


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@functools.lru_cache(maxsize=65_536)
def base(name: str | None) -> str:
    """`/usr/sbin/php-fpm8.2` → `php-fpm8.2`; process titles keep their first word."""
    if not name:
        return ""
    first = name.strip().split(" ", 1)[0].split(":", 1)[0]
    return first.rsplit("/", 1)[-1].lower()


SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "ash", "fish", "busybox"})

# Web and application servers, and script engines that serve web requests. Linux keeps
# only 15 characters of a process name, so prefixes are compared, not whole names.
_WEB_PREFIXES = (
    "nginx",
    "httpd",
    "apache",
    "apache2",
    "lighttpd",
    "caddy",
    "php-fpm",
    "php-cgi",
    "php",
    "lsphp",
    "litespeed",
    "uwsgi",
    "gunicorn",
    "puma",
    "unicorn",
    "passenger",
    "node",
    "w3wp",
    "tomcat",
    "catalina",
)
_JAVA_SERVER_MARKERS = (
    "catalina",
    "tomcat",
    "jetty",
    "wildfly",
    "jboss",
    "weblogic",
    "websphere",
    "undertow",
)
_INTERPRETERS_SERVING = ("ruby", "perl", "python")  # only with a web marker in their arguments
_WEB_MARKERS = ("puma", "unicorn", "rails", "rackup", "plackup", "starman", "mod_perl", "manage.py runserver")


@functools.lru_cache(maxsize=65_536)
def is_web_server(name: str | None, args: str | None) -> bool:
    b = base(name)
    if not b:
        return False
    if b.endswith(".cgi"):
        return True
    if b.startswith(_WEB_PREFIXES):
        return True
    a = (args or "").lower()
    if b == "java" or b.startswith("java"):
        return any(m in a for m in _JAVA_SERVER_MARKERS)
    if b.startswith(_INTERPRETERS_SERVING):
        return any(m in a for m in _WEB_MARKERS)
    return False


def _through_shells(chain: list[tuple[str | None, str | None]]) -> bool:
    """web server → shell(s) → this process: a web server above, only shells between."""
    for name, args in chain:
        if is_web_server(name, args):
            return True
        if base(name) not in SHELLS:
            return False
    return False


@dataclass(frozen=True, slots=True)
class Observed:
    """An event prepared for the rules: base names, the command, and the chain above it."""

    event: ProcessEvent
    name: str
    args: str
    command: str
    #: (base name, args) of the parent, then its ancestors, nearest first
    chain: tuple[tuple[str, str], ...]
    web_parent: bool
    web_ancestor: bool
    #: started by a web server, directly or through shells
    under_web: bool

    @classmethod
    def of(cls, event: ProcessEvent) -> Observed:
        name = base(event.exe_path or event.process_name)
        if name in ("", "busybox") or (event.process_name and base(event.process_name) in SHELLS):
            name = base(event.process_name) or name
        args = event.process_arg or ""
        raw_chain = [(event.process_name_of_parent, event.process_arg_of_parent)] + [
            (a.process_name, a.process_arg) for a in event.ancestors
        ]
        chain = tuple((base(n), a or "") for n, a in raw_chain if n)
        web_parent = bool(raw_chain) and is_web_server(*raw_chain[0])
        web_ancestor = web_parent or any(is_web_server(n, a) for n, a in raw_chain[1:])
        under_web = web_parent or (web_ancestor and _through_shells(raw_chain))
        return cls(event, name, args, f"{name} {args}".strip(), chain, web_parent, web_ancestor, under_web)

    @property
    def shell_command(self) -> str | None:
        """For `sh -c 'cmd'`: the command string the shell was asked to run."""
        if self.name not in SHELLS:
            return None
        match = re.search(r"(?:^|\s)-[a-z]*c[a-z]*\s+(.*)$", self.args, re.S)
        if not match:
            return None
        text = match.group(1).strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
        return text

    @property
    def effective(self) -> str:
        """What actually runs: the shell's -c command, or the command itself."""
        return self.shell_command or self.command


# -- what benign web applications legitimately run

_BENIGN_TOOLS = frozenset(
    {
        "wkhtmltopdf",
        "wkhtmltoimage",
        "gs",
        "ghostscript",
        "convert",
        "magick",
        "identify",
        "pdftotext",
        "pdftoppm",
        "pdfinfo",
        "qpdf",
        "libreoffice",
        "soffice",
        "ffmpeg",
        "ffprobe",
        "clamscan",
        "clamdscan",
        "sendmail",
        "exiftool",
        "optipng",
        "jpegoptim",
        "git",
        "composer",
        "file",
        "unoconv",
    }
)


@functools.lru_cache(maxsize=65_536)
def _first_word(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return base(words[0]) if words else ""


def _benign_shell_command(obs: Observed) -> bool:
    cmd = obs.shell_command
    if cmd is None:
        return False
    parts = re.split(r"\s*(?:&&|\|\||;|\|)\s*", cmd)
    return all(_first_word(p) in _BENIGN_TOOLS for p in parts if p.strip())


# -- the predicates

_RECON = frozenset(
    {
        "id",
        "whoami",
        "uname",
        "hostname",
        "ifconfig",
        "netstat",
        "ss",
        "w",
        "who",
        "last",
        "groups",
        "arp",
        "route",
        "lsb_release",
        "getent",
        "ps",
    }
)
_RECON_PATTERNS = re.compile(
    r"(/etc/(passwd|shadow|group|hosts|issue|os-release)\b|\bip\s+(a|addr|address|r|route|link)\b"
    r"|\bfind\s+/\s.*-perm|\bcat\s+/proc/(version|cpuinfo)\b)"
)
_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "tftp", "ftp", "scp", "sftp", "aria2c", "lwp-download"})
_DECODE = re.compile(
    r"(\bbase64\s+(-d|--decode|-D)\b|\bxxd\s+-r\b|\bpython[0-9.]*\s+-c\b|\bperl\s+-e\b|\bphp[0-9.]*\s+-r\b"
    r"|\bruby\s+-e\b|\bopenssl\s+enc\s+-d\b|\bgzip\s+-d\b.*\|\s*(sh|bash)\b)"
)
_REVERSE = re.compile(
    r"(/dev/(tcp|udp)/|\b(nc|ncat|netcat)\b[^|;]*\s-[a-z]*[ec]\b|\bbash\s+-i\b|\bsh\s+-i\b|\bmkfifo\b"
    r"|\bsocat\b.*\bexec:|socket\.socket|\bfsockopen\s*\(|\bIO::Socket|use\s+Socket|TCPSocket\.(new|open)"
    r"|\btelnet\b.*\|\s*/bin/(ba)?sh)",
    re.I,
)
_PERSIST = re.compile(r"(\bcrontab\b|authorized_keys|/etc/cron\.|/var/spool/cron|\.bashrc\b|/etc/rc\.local)")
# Directories an attacker can write to; paths to match, not temp files we create.
_WRITABLE_DIRS = ("/tmp/", "/dev/shm/", "/var/tmp/", "/var/www/", "/srv/www/", "/usr/share/nginx/html/")  # noqa: S108


def _web_shell_spawn(o: Observed) -> bool:
    return o.web_parent and o.name in SHELLS and not _benign_shell_command(o)


def _reverse_shell(o: Observed) -> bool:
    return bool(_REVERSE.search(o.command))


def _recon(o: Observed) -> bool:
    if not o.under_web and not (o.web_parent and o.shell_command):
        return False
    text = o.effective
    return _first_word(text) in _RECON or bool(_RECON_PATTERNS.search(text))


def _download(o: Observed) -> bool:
    if not o.under_web:
        return False
    words = re.split(r"\s*(?:&&|\|\||;|\|)\s*", o.effective)
    return any(_first_word(w) in _DOWNLOADERS for w in words if w.strip())


def _decode(o: Observed) -> bool:
    return o.under_web and bool(_DECODE.search(o.effective))


def _persistence(o: Observed) -> bool:
    return o.under_web and bool(_PERSIST.search(o.effective))


def _writable_exec(o: Observed) -> bool:
    path = o.event.exe_path or o.event.process_name
    if not path.startswith(_WRITABLE_DIRS):
        return False
    return o.under_web or (o.event.executor or "") in {"www-data", "apache", "nginx", "nobody", "http"}


@dataclass(frozen=True, slots=True)
class DetectionRule:
    rule_id: str
    name: str
    severity: Severity
    description: str
    references: tuple[str, ...]
    predicate: Callable[[Observed], bool]


CATALOG: tuple[DetectionRule, ...] = (
    DetectionRule(
        "WBD-RS-001",
        "Reverse shell command",
        Severity.CRITICAL,
        "A command that connects a shell to a remote host (/dev/tcp, nc -e, bash -i, mkfifo, "
        "socket one-liners).",
        ("https://attack.mitre.org/techniques/T1059/004/",),
        _reverse_shell,
    ),
    DetectionRule(
        "WBD-SH-001",
        "Web server spawned a shell",
        Severity.HIGH,
        "A web or application server (or the script engine behind it) started a shell, as a webshell does "
        "to run an attacker's command.",
        ("https://attack.mitre.org/techniques/T1505/003/",),
        _web_shell_spawn,
    ),
    DetectionRule(
        "WBD-DL-001",
        "Download tool run from a web server",
        Severity.HIGH,
        "curl, wget or a similar tool started by a web server, directly or through a shell: fetching "
        "tools or exfiltrating data.",
        ("https://attack.mitre.org/techniques/T1105/",),
        _download,
    ),
    DetectionRule(
        "WBD-DC-001",
        "Decoder or interpreter one-liner from a web server",
        Severity.HIGH,
        "base64 -d, python -c, perl -e, php -r and the like, started under a web server: staged payloads.",
        ("https://attack.mitre.org/techniques/T1027/", "https://attack.mitre.org/techniques/T1059/"),
        _decode,
    ),
    DetectionRule(
        "WBD-PS-001",
        "Persistence attempt from a web server",
        Severity.HIGH,
        "crontab or authorized_keys changes started under a web server.",
        ("https://attack.mitre.org/techniques/T1053/003/", "https://attack.mitre.org/techniques/T1098/004/"),
        _persistence,
    ),
    DetectionRule(
        "WBD-EX-001",
        "Executable run from a writable web or temp directory",
        Severity.HIGH,
        "A program started from /tmp, /dev/shm, /var/tmp or the web root by a web server or its user.",
        ("https://attack.mitre.org/techniques/T1505/003/",),
        _writable_exec,
    ),
    DetectionRule(
        "WBD-RC-001",
        "Reconnaissance command from a web server",
        Severity.MEDIUM,
        "id, whoami, uname, ifconfig, netstat, cat /etc/passwd... started under a web server: an attacker "
        "looking around after landing a webshell.",
        ("https://attack.mitre.org/techniques/T1082/", "https://attack.mitre.org/techniques/T1033/"),
        _recon,
    ),
)

RULES_BY_ID: dict[str, DetectionRule] = {r.rule_id: r for r in CATALOG}


def evaluate(event: ProcessEvent, enabled: frozenset[str] | None = None) -> list[DetectionRule]:
    """Every (enabled) rule that fires on the event, most severe first."""
    observed = Observed.of(event)
    return [r for r in CATALOG if (enabled is None or r.rule_id in enabled) and r.predicate(observed)]
