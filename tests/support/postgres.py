"""A throwaway PostgreSQL cluster started from the installed binaries.

The cluster listens only on a Unix socket in a temporary directory, runs with
durability off (it is thrown away), and is stopped and deleted after the session.
When the tests run as root, initdb and postgres run as the `postgres` user, as
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REQUIRE_ENV = "SECMON_REQUIRE_PG"


class PostgresUnavailable(Exception):
    pass


def find_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: $PG_BINDIR, PATH, or Debian's layout."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    socket_dir: Path
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres", search_path: str | None = None) -> str:
        url = f"postgresql://postgres@/{dbname}?host={self.socket_dir}"
        if search_path:
            url += f"&options=-csearch_path%3D{search_path}"
        return url

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
            )

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_PREFIX = "secmon-pg-"
_OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(bindir: Path) -> None:
    """Stop and delete clusters whose test process died without tearing them down
    (a killed xdist worker, an interrupted run), so they cannot pile up."""
    for root in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        owner = root / _OWNER_FILE
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        run_as = "postgres" if os.geteuid() == 0 else None
        cluster = PostgresCluster(bindir=bindir, root=root, socket_dir=root / "sock", run_as=run_as)
        with contextlib.suppress(PostgresUnavailable):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("no PostgreSQL binaries (initdb, pg_ctl) found")
    sweep_orphans(bindir)
    run_as = None
    root = Path(tempfile.mkdtemp(prefix=_PREFIX))
    (root / _OWNER_FILE).write_text(str(os.getpid()))
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            user = pwd.getpwnam(run_as)
        except KeyError:
            raise PostgresUnavailable("running as root and there is no `postgres` user") from None
        os.chown(root, user.pw_uid, user.pw_gid)
    socket_dir = root / "sock"
    socket_dir.mkdir()
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(socket_dir, user.pw_uid, user.pw_gid)
    root.chmod(0o755)
    cluster = PostgresCluster(bindir=bindir, root=root, socket_dir=socket_dir, run_as=run_as)
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    # Belt and braces: a normal interpreter exit stops it even if the fixture did not.
    atexit.register(_stop_if_running, cluster)
    return cluster


def _stop_if_running(cluster: PostgresCluster) -> None:
    if cluster.data_dir.exists():
        with contextlib.suppress(Exception):
            cluster.stop()
