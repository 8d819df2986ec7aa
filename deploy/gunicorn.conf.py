"""gunicorn settings: `gunicorn --config deploy/gunicorn.conf.py "portal:create_app()"`."""
import gc
import multiprocessing
import os

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


def pre_fork(server, worker):
    """Freeze what the master loaded (the app, the analyzer's dictionaries and lexicon, the pinyin table,
    the open searcher) out of the garbage collector's reach: a collection in a worker then does not
    touch, and so copy, those shared pages (shared/search-notes.md: 29 → 21 MB per worker at 50k)."""
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections; none is shared across fork."""
    server.app.callable.extensions["database"].engine.dispose(close=False)


# The single index writer runs beside the web workers, started and stopped with them, so that
# requests only ever read the index. PORTAL_INDEX_WRITER=external leaves it to a unit of its own.
_index_writer = None


def when_ready(server):
    """Start `flask --app portal search worker` once the master is up."""
    global _index_writer
    if os.environ.get("PORTAL_INDEX_WRITER", "embedded") != "embedded":
        return
    import subprocess
    import sys

    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    _index_writer = subprocess.Popen([flask, "--app", "portal", "search", "worker"])
    server.log.info("index writer started (pid %s)", _index_writer.pid)


def on_exit(server):
    """Stop the index writer with the master."""
    if _index_writer is not None and _index_writer.poll() is None:
        _index_writer.terminate()
        try:
            _index_writer.wait(timeout=15)
        except Exception:
            _index_writer.kill()
