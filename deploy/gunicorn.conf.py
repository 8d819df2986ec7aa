"""gunicorn settings: `gunicorn --config deploy/gunicorn.conf.py "portal:create_app()"`."""
import gc
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time

from gunicorn.glogging import Logger

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"  # Whoosh searchers are not thread-safe; one request per process at a time.
preload_app = True  # load the app (and later the analyzer and index) once, before fork
timeout = 30
graceful_timeout = 20
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), so a second
# portal run by the same user would take over the first's; nothing here uses it.
control_socket_disable = True

# A retrieval code in a query string, a subscription link's signed token in a path.
SECRETS_IN_URLS = re.compile(r"((?:(?:^|[?&])(?:code|token)=)|(?:/subscribe/(?:confirm|unsubscribe)/))[^&\s?]*")


class PortalLogger(Logger):
    """The access log never holds a retrieval code or a subscription link's token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "U"):
            if atoms.get(key):
                atoms[key] = SECRETS_IN_URLS.sub(r"\1[…]", atoms[key])
        return atoms


logger_class = PortalLogger


def pre_fork(server, worker):
    """Freeze what the master loaded (the app, the analyzer's dictionaries and lexicon, the pinyin table,
    the open searcher) out of the garbage collector's reach: a collection in a worker then does not
    touch, and so copy, those shared pages (shared/search-notes.md: 29 → 21 MB per worker at 50k)."""
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections; none is shared across fork."""
    server.app.callable.extensions["database"].engine.dispose(close=False)


# The single index writer runs beside the web workers, started and stopped with them, so that
# requests only ever read the index; if it dies, the master starts it again. PORTAL_INDEX_WRITER=external
# leaves it to a unit of its own.
_writer = {"proc": None, "stopping": False}
RESPAWN_AFTER = 1.0  # seconds; doubled after each quick death, at most a minute


def _start_writer(server):
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    _writer["proc"] = proc = subprocess.Popen([flask, "--app", "portal", "search", "worker"])
    server.log.info("index writer started (pid %s)", proc.pid)
    return proc


def _watch_writer(server):
    """Wait on the writer; when it ends without being asked to, start it again (with back-off)."""
    delay = RESPAWN_AFTER
    while not _writer["stopping"]:
        proc = _writer["proc"]
        started = time.monotonic()
        code = proc.wait()
        if _writer["stopping"]:
            return
        server.log.warning("index writer (pid %s) ended with %s; starting it again in %.0f s", proc.pid, code, delay)
        time.sleep(delay)
        delay = RESPAWN_AFTER if time.monotonic() - started > 60 else min(delay * 2, 60)
        if not _writer["stopping"]:
            _start_writer(server)


def when_ready(server):
    """Say where rate limits are counted; start `flask --app portal search worker` and watch it."""
    storage = re.sub(r"//[^@/]*@", "//", server.app.callable.config["RATELIMIT_STORAGE_URI"])  # no password
    if storage.startswith("memory://"):
        storage = "memory:// (each worker alone; production needs redis://)"
    server.log.info("rate limits counted in %s", storage)
    if os.environ.get("PORTAL_INDEX_WRITER", "embedded") != "embedded":
        return
    _start_writer(server)
    threading.Thread(target=_watch_writer, args=(server,), name="index-writer-watch", daemon=True).start()


def on_exit(server):
    """Stop the index writer with the master."""
    _writer["stopping"] = True
    proc = _writer["proc"]
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
