"""Running things live in a test: a free port to start a server on, waiting until something is
true (a page answers, a mail arrives), and threads and WSGI servers that keep the tests' pinned
clock (a new thread starts with an empty context, so it would read the wall clock)."""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable

from portal.clock import as_of, now


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


def pinned_thread(target: Callable, *args) -> threading.Thread:
    """A thread (not started) that runs `target` at the moment the caller runs at. Only the clock
    is carried over: the thread keeps its own Flask contexts, as a request in production does."""
    moment = now()

    def run():
        with as_of(moment):
            target(*args)

    return threading.Thread(target=run)


def pinned_wsgi(wsgi_app: Callable) -> Callable:
    """`wsgi_app` answering every request at the moment the caller runs at, for a server whose
    requests run in threads of their own: the pages, deadlines and tickets of a live server then
    agree with the pinned clock of the test that set them up."""
    moment = now()

    def app(environ, start_response):
        with as_of(moment):
            return wsgi_app(environ, start_response)

    return app
