"""Running things live in a test: a free port to start a server on, and waiting until something
is true (a server answers, a mail arrives, a writer catches up)."""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30,
             process: subprocess.Popen | None = None) -> None:
    """Poll `condition` until it holds; fail after `seconds`, or at once if `process` has died
    (with its error output). A connection refused while a server starts counts as not yet."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended ({process.returncode}): "
                                 f"{process.stderr.read().decode() if process.stderr else ''}")
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.05 if process is None else 0.2)
