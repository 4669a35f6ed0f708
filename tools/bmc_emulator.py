"""A Turing Pi 2 BMC emulator: real HTTP(S) servers that answer like bmcd (firmware 2.x) or
the 1.x firmware, for tests and the emulated board. Test/demo tooling: not part of the
installed collection.

What it reproduces (see the project's BMC API reference):
* 2.x: HTTPS with a certificate of the stock shape (CN only, no subjectAltName, expired, see
  ``make_certificate``); ``POST /api/bmc/authenticate`` issues 64-character tokens (JSON ``id``
  and header ``X-Auth-Token``) that expire after ``token_ttl`` seconds of non-use;
  ``Authorization: Bearer`` or ``Basic``; answers in ``{"response":[{"result": ...}]}``;
  power values are strings ``"0"``/``"1"``; ``type=power`` keys are node1..node4, ``node=`` is
  0-based elsewhere; plain HTTP answers ``/info`` (2.3 = firmware 2.1+) or ``/api/bmc/info``
  (2.0.x) and redirects everything else with 308.
* the brute-force ban: failed logins and unknown or expired tokens count; the 5th failure bans
  the caller's address for ``ban_seconds``, doubling with each further failure; a success
  clears the count. Unlike bmcd, loopback callers are NOT exempt (tests run on loopback).
* 1.x: plain HTTP only, no authentication, no ``result`` wrapper, numbers instead of strings.
* a slot can be bound to a Docker container: power off stops it, on starts it, reset restarts it.
* run from the command line, the commanded power state is saved (``<state-dir>/<board>.power.json``)
  and re-applied when the emulator starts again, as bmcd does after a restart.

Run one or more boards from a JSON file until interrupted:
    python tools/bmc_emulator.py --config boards.json [--state-dir DIR]
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

ATTEMPTS = 5


CERT_SHAPES = ("stock", "proper")


def make_certificate(directory: str, shape: str = "stock") -> tuple:
    """A certificate for the HTTPS listener; returns (cert path, key path, sha256 of DER).

    ``stock`` is the shape a real BMC serves (generate_self_signedx509.sh at first boot):
    ``CN=Turing-Pi self signed``, no subjectAltName, CA:TRUE, OpenSSL's default 30 days counted
    from a clock at 1970, so expired. No CA check can accept it; pinning its fingerprint can.
    ``proper`` is what a user may install for ``ca_path``: valid, with subjectAltNames for
    localhost, turingpi.local and 127.0.0.1. Next to the certificate, ``<shape>.fingerprint``
    holds the line ``openssl x509 -noout -fingerprint -sha256`` prints. An existing pair in
    ``directory`` is reused (a board keeps its certificate across restarts).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    import ipaddress

    if shape not in CERT_SHAPES:
        raise ValueError("certificate shape must be one of %s, got %r" % (CERT_SHAPES, shape))
    cert_path, key_path = os.path.join(directory, shape + ".crt"), os.path.join(directory, shape + ".key")
    fingerprint_path = os.path.join(directory, shape + ".fingerprint")
    if os.path.exists(cert_path) and os.path.exists(key_path) and os.path.exists(fingerprint_path):
        with open(cert_path, "rb") as handle:
            existing = x509.load_pem_x509_certificate(handle.read())
        return cert_path, key_path, hashlib.sha256(existing.public_bytes(serialization.Encoding.DER)).hexdigest()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = x509.CertificateBuilder().public_key(key.public_key()).serial_number(x509.random_serial_number())
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if shape == "stock":
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Turing-Pi self signed")])
        start = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        builder = builder.not_valid_before(start).not_valid_after(start + datetime.timedelta(days=30))
    else:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "turingpi.local")])
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (builder.not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=3650))
                   .add_extension(x509.SubjectAlternativeName([
                       x509.DNSName("localhost"), x509.DNSName("turingpi.local"),
                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False))
    cert = builder.subject_name(name).issuer_name(name).sign(key, hashes.SHA256())
    der = cert.public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest()
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with os.fdopen(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    with open(fingerprint_path, "w") as handle:
        handle.write("sha256 Fingerprint=%s\n" % ":".join(digest[i:i + 2].upper() for i in range(0, 64, 2)))
    return cert_path, key_path, digest


@dataclass
class Board:
    """The state of one emulated board."""

    name: str = "turingpi"
    firmware: str = "2.3"  # "1", "2.0" or "2.3"
    version: str = ""
    username: str = "root"
    password: str = "turing"
    power: dict = field(default_factory=lambda: {1: True, 2: True, 3: True, 4: True})
    names: dict = field(default_factory=dict)  # slot -> node_info name
    modules: dict = field(default_factory=dict)  # slot -> node_info module_name
    containers: dict = field(default_factory=dict)  # slot -> docker container
    token_ttl: float = 10800.0
    ban_seconds: float = 60.0
    faults: dict = field(default_factory=dict)  # type -> "html" | "malformed" | "slow"
    slow_seconds: float = 3.0
    tokens: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    banned_until: dict = field(default_factory=dict)
    power_on_at: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)  # (method, path) log, for tests
    auth_calls: int = 0
    state_file: str = ""  # where the commanded power state is kept across restarts (bmcd.bin)

    def __post_init__(self) -> None:
        self.power = {int(k): bool(v) for k, v in self.power.items()}
        self.names = {int(k): v for k, v in self.names.items()}
        self.modules = {int(k): v for k, v in self.modules.items()}
        self.containers = {int(k): v for k, v in self.containers.items()}
        if not self.version:
            self.version = {"1": "1.1.0", "2.0": "2.0.5", "2.3": "2.3.4"}[self.firmware]
        if self.state_file and os.path.exists(self.state_file):
            # Like bmcd after a restart: the saved power state is re-applied to the slots.
            with open(self.state_file) as handle:
                self.power = {int(k): bool(v) for k, v in json.load(handle).items()}
            for slot, on in self.power.items():
                self._docker("on" if on else "off", slot)
        now = time.time()
        self.power_on_at = {slot: now for slot, on in self.power.items() if on}
        self.lock = threading.Lock()

    def _save(self) -> None:
        if self.state_file:
            with open(self.state_file, "w") as handle:
                json.dump(self.power, handle)

    # -- auth ---------------------------------------------------------------------------
    def banned(self, peer: str) -> float:
        return max(0.0, self.banned_until.get(peer, 0.0) - time.time())

    def fail(self, peer: str) -> None:
        count = self.failures.get(peer, 0) + 1
        self.failures[peer] = count
        if count >= ATTEMPTS:
            self.banned_until[peer] = time.time() + self.ban_seconds * (2 ** min(count - ATTEMPTS, 10))

    def succeed(self, peer: str) -> None:
        self.failures.pop(peer, None)

    def login(self, peer: str, username: str, password: str) -> str | None:
        self.auth_calls += 1
        if username == self.username and password == self.password:
            self.succeed(peer)
            token = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                            for _position in range(64))
            self.tokens[token] = time.time()
            return token
        self.fail(peer)
        return None

    def check_token(self, peer: str, token: str) -> str | None:
        """None when valid; else the reason."""
        last = self.tokens.get(token)
        if last is None:
            self.fail(peer)
            return "token not found"
        if time.time() - last > self.token_ttl:
            del self.tokens[token]
            self.fail(peer)
            return "token expired"
        self.tokens[token] = time.time()  # sliding expiry
        self.succeed(peer)
        return None

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # -- slots --------------------------------------------------------------------------
    def _docker(self, action: str, slot: int) -> None:
        container = self.containers.get(slot)
        if not container:
            return
        argv = {"on": ["docker", "start", container], "off": ["docker", "stop", "-t", "5", container],
                "reset": ["docker", "restart", "-t", "5", container]}[action]
        subprocess.run(argv, check=False, capture_output=True)

    def set_power(self, slot: int, on: bool) -> None:
        if self.power[slot] == on:
            return
        self.power[slot] = on
        self._save()
        if on:
            self.power_on_at[slot] = time.time()
        else:
            self.power_on_at.pop(slot, None)
        self._docker("on" if on else "off", slot)

    def reset(self, slot: int) -> None:
        # bmcd: off, 1 s, on, without touching the remembered power state.
        self._docker("reset", slot)

    def node_info(self) -> list:
        now = time.time()
        return [{"name": self.names.get(slot), "module_name": self.modules.get(slot),
                 "power_on_time": int(now - self.power_on_at[slot]) if slot in self.power_on_at else None,
                 "uart_baud": 115200} for slot in (1, 2, 3, 4)]

    def system_info(self) -> dict:
        return {"api": "1.1", "version": self.version, "buildtime": "2024-09-14 10:00:00-00:00",
                "ip": "127.0.0.1", "mac": "02:00:00:00:00:01", "buildroot": '"Buildroot 2024.05.1"',
                "build_version": "2024.05.1"}


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves one listener of one board; ``server.board`` and ``server.secure`` say which."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002  pylint: disable=redefined-builtin
        return

    @property
    def board(self) -> Board:
        return self.server.board  # type: ignore[attr-defined]

    def _send(self, status: int, body: object, content_type: str = "application/json", headers: dict | None = None):
        data = body if isinstance(body, bytes) else (json.dumps(body) if content_type == "application/json"
                                                     else str(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _envelope(self, status: int, result: object) -> None:
        self._send(status, {"response": [{"result": result}]})

    def do_GET(self):  # noqa: N802
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        board = self.board
        parsed = urllib.parse.urlparse(self.path)
        with board.lock:
            board.requests.append((method, self.path, self.server.secure))  # type: ignore[attr-defined]
        if board.firmware == "1":
            return self._v1(parsed)
        if not self.server.secure:  # type: ignore[attr-defined]
            info_path = "/info" if board.firmware == "2.3" else "/api/bmc/info"
            if method == "GET" and parsed.path == info_path:
                return self._envelope(200, [board.system_info()])
            location = "https://%s:%s%s" % (self.headers.get("Host", "localhost").split(":")[0],
                                            self.server.https_port, self.path)  # type: ignore[attr-defined]
            return self._send(308, b"", "text/plain", {"Location": location})
        if parsed.path == "/api/bmc/authenticate" and method == "POST":
            return self._authenticate()
        if parsed.path == "/api/bmc":
            return self._api(parsed)
        # The web UI answers every other path with its index page.
        return self._send(200, b"<!doctype html><html><body>Turing Pi BMC UI</body></html>", "text/html")

    def _authenticate(self) -> None:
        board, peer = self.board, self.client_address[0]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with board.lock:
            remaining = board.banned(peer)
            if remaining:
                return self._send(403, "Exceeded allowed authentication attempts. Access blocked for %dm"
                                  % max(1, int(remaining // 60)), "text/plain")
            try:
                creds = json.loads(raw.decode() or "{}")
                user, password = creds["username"], creds["password"]
            except (ValueError, KeyError, TypeError) as exc:
                board.fail(peer)
                return self._send(403, "error trying to parse credentials: %s" % exc, "text/plain")
            token = board.login(peer, user, password)
        if token is None:
            return self._send(403, "credentials incorrect", "text/plain")
        return self._send(200, {"id": token, "name": "User Session", "description": "User Session",
                                "username": user}, headers={"X-Auth-Token": token})

    def _authorized(self) -> bool:
        board, peer = self.board, self.client_address[0]
        header = self.headers.get("Authorization", "")
        with board.lock:
            if board.banned(peer):
                self._send(403, "Exceeded allowed authentication attempts.", "text/plain")
                return False
            if header.startswith("Bearer "):
                reason = board.check_token(peer, header[7:].strip())
            elif header.startswith("Basic "):
                try:
                    user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
                except ValueError:
                    user, password = "", ""
                reason = None if board.login(peer, user, password) else "credentials incorrect"
            else:
                reason = "no authorization header provided"
        if reason:
            self._send(401, reason, "text/plain", {
                "WWW-Authenticate": 'Bearer realm="Access to Baseboard Management Controller" '
                                    'error="invalid_token" error_description="%s"' % reason})
            return False
        return True

    def _api(self, parsed) -> None:
        if not self._authorized():
            return None
        board = self.board
        query = dict(urllib.parse.parse_qsl(parsed.query))
        opt, type_ = query.get("opt"), query.get("type")
        if opt not in ("get", "set"):
            return self._envelope(400, "Missing `opt` parameter")
        if not type_:
            return self._envelope(400, "Missing `type` parameter")
        fault = board.faults.get(type_)
        if fault == "html":
            return self._send(200, b"<!doctype html><html><body>Turing Pi BMC UI</body></html>", "text/html")
        if fault == "malformed":
            return self._send(200, b'{"response": [{"result": ', "application/json")
        if fault == "slow":
            time.sleep(board.slow_seconds)
        with board.lock:
            if opt == "get" and type_ == "power":
                return self._envelope(200, [{"node%d" % s: "1" if board.power[s] else "0" for s in (1, 2, 3, 4)}])
            if opt == "get" and type_ == "node_info" and board.firmware == "2.3":
                return self._envelope(200, board.node_info())
            if opt == "get" and type_ == "other":
                return self._envelope(200, [board.system_info()])
            if opt == "get" and type_ == "about" and board.firmware == "2.3":
                return self._envelope(200, {"board_model": "Turing Pi 2", "board_revision": "2.5",
                                            "hostname": board.name, **board.system_info()})
            if opt == "set" and type_ == "power":
                changes = {k: v for k, v in query.items() if k.startswith("node")}
                if not changes:
                    return self._envelope(500, "Failed to set power state: no node given")
                for key, value in changes.items():
                    if key not in ("node1", "node2", "node3", "node4") or value not in ("0", "1"):
                        return self._envelope(400, "Invalid value `%s` for parameter `%s`" % (value, key))
                for key, value in changes.items():
                    board.set_power(int(key[4:]), value == "1")
                return self._envelope(200, "ok")
            if opt == "set" and type_ == "reset":
                node = query.get("node")
                if node is None:
                    return self._envelope(400, "Missing `node` parameter")
                if not node.isdigit():
                    return self._envelope(400, "Parameter `node` is not a number")
                if int(node) not in range(4):
                    return self._envelope(400, "Parameter `node` is out of range 0..3 of node IDs")
                board.reset(int(node) + 1)
                return self._envelope(200, "ok")
        return self._envelope(400, "Invalid `type` parameter %s" % type_)

    def _v1(self, parsed) -> None:
        board = self.board
        if parsed.path != "/api/bmc":
            return self._send(404, b"not found", "text/plain")
        query = dict(urllib.parse.parse_qsl(parsed.query))
        opt, type_ = query.get("opt"), query.get("type")
        with board.lock:
            if opt == "get" and type_ == "power":
                body = {"response": [{"node%d" % s: 1 if board.power[s] else 0 for s in (1, 2, 3, 4)}]}
            elif opt == "get" and type_ == "other":
                body = {"response": [{"version": board.version, "buildtime": "2023-07-28", "ip": "127.0.0.1",
                                      "mac": "02:00:00:00:00:01"}]}
            elif opt == "set" and type_ == "power":
                for key, value in query.items():
                    if key in ("node1", "node2", "node3", "node4"):
                        board.set_power(int(key[4:]), value == "1")
                body = {"response": [{"result": "ok"}]}
            elif opt == "set" and type_ == "reset" and query.get("node", "").isdigit():
                board.reset(int(query["node"]) + 1)
                body = {"response": [{"result": "ok"}]}
            else:
                body = {"response": [{"code": 400, "result": "unknown type"}]}
        return self._send(200, json.dumps(body).encode(), "text/plain")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class EmulatedBoard:
    """One board's listeners. ``start()`` binds (port 0 = any free port)."""

    def __init__(self, board: Board, host: str = "127.0.0.1", http_port: int = 0, https_port: int = 0,
                 cert_dir: str | None = None, cert_shape: str = "stock") -> None:
        self.board = board
        self.host = host
        self._cert_dir = cert_dir or tempfile.mkdtemp(prefix="bmc-emulator-")
        os.makedirs(self._cert_dir, exist_ok=True)
        self.cert_path, self.key_path, self.fingerprint = make_certificate(self._cert_dir, cert_shape)
        self.http = _Server((host, http_port), Handler)
        self.https = None if board.firmware == "1" else _Server((host, https_port), Handler)
        self.http.board, self.http.secure = board, False
        if self.https:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_path, self.key_path)
            self.https.socket = context.wrap_socket(self.https.socket, server_side=True)
            self.https.board, self.https.secure = board, True
        self.http.https_port = self.https_port
        if self.https:
            self.https.https_port = self.https_port
        self._threads = []

    @property
    def http_port(self) -> int:
        return self.http.server_address[1]

    @property
    def https_port(self) -> int:
        return self.https.server_address[1] if self.https else 0

    def start(self) -> "EmulatedBoard":
        for server in filter(None, (self.http, self.https)):
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in filter(None, (self.http, self.https)):
            server.shutdown()
            server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Turing Pi 2 BMC emulator")
    parser.add_argument("--config", required=True, help="JSON: {\"boards\": [{name, http_port, https_port, ...}]}")
    parser.add_argument("--state-dir", default=None, help="where to write certificates and ports.json")
    parser.add_argument("--shared-cert", action="store_true", help="one certificate for every board (faster start)")
    args = parser.parse_args()
    with open(args.config) as handle:
        config = json.load(handle)
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="bmc-emulator-")
    os.makedirs(state_dir, exist_ok=True)
    running, extras = [], []
    for spec in config["boards"]:
        spec = dict(spec)
        host = spec.pop("host", "127.0.0.1")
        http_port, https_port = spec.pop("http_port", 0), spec.pop("https_port", 0)
        shape = spec.pop("cert_shape", "stock")
        # More addresses for the same board (say, the gateway of the containers' network, so that
        # the emulated controller reaches its BMC as a real one reaches the board's).
        extra_hosts = spec.pop("extra_hosts", [])
        cert_dir = os.path.join(state_dir, "shared" if args.shared_cert else spec.get("name", "turingpi"))
        os.makedirs(cert_dir, exist_ok=True)
        spec.setdefault("state_file", os.path.join(state_dir, "%s.power.json" % spec.get("name", "turingpi")))
        board = EmulatedBoard(Board(**spec), host, http_port, https_port, cert_dir, shape).start()
        running.append(board)
        for extra in extra_hosts:
            extras.append(EmulatedBoard(board.board, extra, board.http_port, board.https_port, cert_dir, shape).start())
    ports = {b.board.name: {"host": b.host, "http_port": b.http_port, "https_port": b.https_port,
                            "cert": b.cert_path, "fingerprint": b.fingerprint} for b in running}
    with open(os.path.join(state_dir, "ports.json"), "w") as handle:
        json.dump(ports, handle, indent=2)
    print(json.dumps(ports), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for board in running + extras:
            board.stop()


if __name__ == "__main__":
    sys.exit(main())
