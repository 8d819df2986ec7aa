"""Real servers for tests that need processes: a throwaway Redis (Debian's redis-server) and the portal
under gunicorn with the shipped config, on loopback ports."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis server of its own in a temporary folder, for the whole session; its URL."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: make test installs it (Debian package redis-server)"
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`flask --app portal ARGS` in a process of its own, as an operator runs it."""
    return subprocess.run([str(BIN / "flask"), "--app", "portal", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)


def portal_env(tmp_path: Path, **settings: str) -> dict:
    """The environment of a host: its own SQLite database and index folder unless told otherwise."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", PORTAL_INDEX_DIR=str(tmp_path / "ix"),
               PORTAL_ATTACHMENT_DIR=str(tmp_path / "attachments"), PORTAL_SECRET_KEY="host-test-secret-0123456789abcdef",
               PORTAL_WORKERS="3", HOME=str(tmp_path))
    env.update(settings)
    return env


class Host:
    """A running gunicorn: its base URL, its process and what it has written to stderr."""

    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def post_json(self, path: str, body, headers: dict | None = None) -> tuple[int, bytes, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(env: dict, prepare: bool = True):
    """The portal under gunicorn with deploy/gunicorn.conf.py on a free loopback port; the database
    migrated and the index built first unless told otherwise."""
    port = free_port()
    env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}"}
    if prepare:
        flask(env, "init-db")
        flask(env, "search", "reindex")
    log = Path(env["HOME"]) / f"gunicorn-{port}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "portal:create_app()"],
                                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    host = Host(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: host.get("/healthz")[0] in (200, 503), f"gunicorn on {port}", process=proc)
        yield host
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Visitor:
    """A person's browser against live hosts: one cookie jar for every host (cookies are the host
    name's, whatever the port, as behind one load balancer), forms with their CSRF tokens."""

    def __init__(self):
        import http.cookiejar

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def open(self, request: urllib.request.Request) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def get(self, base: str, path: str) -> tuple[int, bytes, dict]:
        return self.open(urllib.request.Request(base + path))

    def token(self, base: str, path: str) -> dict:
        """The CSRF token (and the filing form's nonce, if any) of the form on `path`."""
        import re

        status, body, _ = self.get(base, path)
        page = body.decode()
        assert status == 200, page[:300]
        found = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}
        nonce = re.search(r'name="nonce" value="([^"]+)"', page)
        if nonce:
            found["nonce"] = nonce.group(1)
        return found

    def post(self, base: str, path: str, fields: dict, form_page: str | None = None,
             files: list[tuple[str, str, bytes, str]] | None = None) -> tuple[int, bytes, dict]:
        """POST a form (multipart when `files`: (field, filename, bytes, type)) with the page's tokens."""
        import uuid

        fields = {**self.token(base, form_page or path), **fields}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, filename, data, kind in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                             f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        return self.open(urllib.request.Request(base + path, data=body, method="POST", headers={"Content-Type": kind}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a test sees the 302/303 itself
