"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl into a temp dir, on
127.0.0.1 and a free port, run as an unprivileged user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


class PostgresUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise PostgresUnavailable("PostgreSQL binaries (initdb, pg_ctl) are not installed")


@contextmanager
def running_postgres() -> Iterator[str]:
    """Yield a postgresql:// URL; the cluster and its files are gone afterwards."""
    bin_dir = _bin_dir()
    workdir = tempfile.mkdtemp(prefix="paper-summarizer-pg-")
    data = os.path.join(workdir, "data")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
        os.chmod(workdir, 0o777)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{os.path.basename(args[0])} failed: {done.stderr.strip()[-300:]}")

    try:
        run(f"{bin_dir}/initdb", "-D", data, "-U", "test", "--auth=trust", "--no-sync", "-E", "UTF8")
        run(
            f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(workdir, "log"), "-w", "-t", "30",
            "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        )  # fmt: skip
    except (PostgresUnavailable, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise PostgresUnavailable(str(exc)) from exc
    try:
        yield f"postgresql://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60
        )
        shutil.rmtree(workdir, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
