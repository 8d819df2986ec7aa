"""gunicorn settings: `gunicorn --config deploy/gunicorn.conf.py "portal:create_app()"`."""
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


def post_fork(server, worker):
    """Each worker opens its own database connections; none is shared across fork."""
    server.app.callable.extensions["database"].engine.dispose(close=False)
