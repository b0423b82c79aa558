"""The shop under gunicorn, as in production, for the load and fault tests.

`ShopServer` starts `gunicorn 'shop:create_app()'` with FLASK_CONFIG=production in its own
process group on a free port, waits until /healthz answers 200, and stops it (or SIGKILLs
the whole group) by that group's id. Use it as a context manager so that no process
outlives the test, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# As the README's production command: one request at a time per process. With several threads
# per worker (gthread, 2 x 4) a worker died of SIGSEGV within seconds under the 300-shopper load,
# at random places in request threads (ORM, psycopg, abc), in this release and the previous one
# alike; one thread per worker never did. Until the C extension at fault is found, the shop is
# served by processes, not threads (docs/operations.md).
WORKERS = 4
THREADS = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ShopServer:
    """gunicorn serving the shop on 127.0.0.1:<port> against `database_url`."""

    def __init__(
        self, database_url: str, instance_path: Path, *, workers: int = WORKERS, **environment: str
    ):
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.instance_path = Path(instance_path)
        self.log_path = self.instance_path / "gunicorn.log"
        self.environment = {
            "FLASK_CONFIG": "production",
            "SECRET_KEY": "load-test-secret-" + "x" * 32,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(self.instance_path),
            "SEARCH_BACKEND": "postgres",
            **environment,
        }
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--backlog",
            "2048",
            # idle keep-alive connections are closed by the client (10 s) before the server
            # (30 s), so no request is ever sent on a connection the server is closing
            "--keep-alive",
            "30",
            "shop:create_app()",
        ]

    def start(self, ready_within: float = 90) -> ShopServer:
        self.instance_path.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MAIL_"))}
        env.pop("REDIS_URL", None)
        env.update(self.environment)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: one kill reaches every worker
            )
        self.wait_ready(ready_within)
        return self

    def wait_ready(self, within: float) -> None:
        """Poll /healthz until it answers 200; fail with the log if gunicorn dies or hangs."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited while starting:\n{self.log_tail()}")
            # a refused connection or a 503 (HTTPError) are both OSErrors: not ready yet
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"gunicorn not ready within {within}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (a crash, an OOM kill, a power cut)."""
        self._signal_group(signal.SIGKILL)
        self._reap(10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL whatever is left; safe to call twice."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        self._signal_group(signal.SIGKILL)  # workers left behind by a master that died
        self._reap(10)

    def _signal_group(self, sig: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    def _reap(self, timeout: float) -> None:
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._group_alive():
            time.sleep(0.1)

    def group_members(self) -> list[int]:
        """Live (not zombie) processes still in the server's process group."""
        if self.process is None:
            return []
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid and fields[0] != "Z":
                    members.append(int(stat.parent.name))
        return members

    def _group_alive(self) -> bool:
        return bool(self.group_members())

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ShopServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
