# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client for the Turing Pi 2 BMC HTTP API (firmware 1.x and 2.x).

Standard library only. Facts it relies on (see the project's BMC API reference):

* 2.x: ``https://<bmc>/api/bmc?opt=get|set&type=...``, HTTP GET even for sets; answers in the
  envelope ``{"response": [{"result": <payload>}]}``; token from ``POST /api/bmc/authenticate``
  sent as ``Authorization: Bearer``; five failed attempts (stale tokens included) ban the
  caller's address for minutes to hours, so this client authenticates at most once per call
  and re-authenticates only once after a 401.
* 1.x: plain HTTP, no authentication, no ``result`` wrapper, numbers instead of strings.
* ``type=power`` uses ``node1..node4`` (1-based); every other endpoint ``node=0..3``.
* Detection without credentials: ``GET http://<bmc>/info`` (2.1+) or ``/api/bmc/info`` (2.0.x)
  answer JSON on port 80; on 1.x ``/api/bmc?opt=get&type=other`` answers JSON without
  ``result``. Redirects are never followed.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import urllib.parse
from dataclasses import dataclass, field

SLOTS = (1, 2, 3, 4)


class BmcError(Exception):
    """Any failure talking to a board; the message names the board and the cause."""

    def __init__(self, board: str, cause: str, status: int | None = None) -> None:
        super().__init__("Turing Pi BMC %s: %s" % (board, cause))
        self.board = board
        self.cause = cause
        self.status = status


# How to reach a board: one spec for the inventory plugin (per board and top level) and the
# turingpi_power module (whose argument_spec it is). Types are Ansible's option types.
CONNECTION_SPEC = {
    "address": dict(type="str", required=True),
    "username": dict(type="str", default="root"),
    "password": dict(type="str", no_log=True),
    "password_file": dict(type="path", no_log=False),  # a path, not the secret
    "firmware": dict(type="str", choices=["auto", "1", "2"], default="auto"),
    "validate_certs": dict(type="bool", default=True),
    "ca_path": dict(type="path"),
    "cert_fingerprint": dict(type="str"),
    "timeout": dict(type="float", default=10.0),
    "http_port": dict(type="int", default=80),
    "https_port": dict(type="int", default=443),
}

# What a host carries (the turingpi inventory exports it, a hand-written inventory may set it):
# one dict of every connection setting but the password, which the turingpi_power module takes as
# its ``connection`` option unchanged. The password has one lookup order everywhere
# (``resolve_password``): a password you give (module option or the vault variable below), else
# ``password_file``, else the environment variable of the machine Ansible runs on.
CONNECTION_HOSTVAR = "turingpi_bmc_connection"
PASSWORD_HOSTVAR = "turingpi_bmc_password"
PASSWORD_ENV = "TURINGPI_PASSWORD"
CONNECTION_KEYS = tuple(key for key in CONNECTION_SPEC if key != "password")

# Ansible's booleans (ansible.module_utils.parsing.convert_bool), nothing else.
BOOLEANS_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", 1, 1.0, True))
BOOLEANS_FALSE = frozenset(("n", "no", "off", "0", "false", "f", 0, 0.0, False))
_FINGERPRINT_PREFIX = re.compile(r"^\s*(sha256\s+fingerprint\s*=|sha256:)\s*", re.IGNORECASE)


class OptionError(ValueError):
    """A setting with a wrong type or value; ``option`` names it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__("%s %s" % (option, message))
        self.option = option


def to_bool(option: str, value: object) -> bool:
    """One of Ansible's booleans, else OptionError (never a silent False)."""
    key = value.lower().strip() if isinstance(value, str) else value
    if isinstance(key, (str, bool, int, float)):
        if key in BOOLEANS_TRUE:
            return True
        if key in BOOLEANS_FALSE:
            return False
    raise OptionError(option, "must be a boolean (true/false, yes/no), got %r" % (value,))


def to_int(option: str, value: object, low: int, high: int) -> int:
    """An integer (or a string of digits) from ``low`` to ``high``."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = int(value)  # a plain int: no YAML origin tag carried into caches or host vars
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise OptionError(option, "must be an integer from %d to %d, got %r" % (low, high, value))
    return number


def to_float(option: str, value: object, low: float, high: float) -> float:
    """A number greater than ``low`` and at most ``high``."""
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not low < number <= high:
        raise OptionError(option, "must be a number greater than %s and at most %s, got %r" % (low, high, value))
    return number


def to_str(option: str, value: object, required: bool = False, secret: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        shown = "a value of type %s" % type(value).__name__ if secret else repr(value)
        raise OptionError(option, "must be a string, got %s" % shown)
    text = str(value)
    if required and not text.strip():
        raise OptionError(option, "must not be empty")
    return text


def normalise_fingerprint(value: str) -> str:
    """SHA-256 of the DER certificate: 64 hex digits, ':' allowed, openssl's output line accepted."""
    text = _FINGERPRINT_PREFIX.sub("", to_str("cert_fingerprint", value)).replace(":", "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise OptionError("cert_fingerprint", "must be the certificate's SHA-256 fingerprint (64 hex digits, ':' "
                          "allowed), as `openssl x509 -noout -fingerprint -sha256` prints it; got %r" % (value,))
    return text


def read_password_file(path: str, option: str = "password_file") -> str:
    """The first line of a file that others cannot read (the BMC password is a secret)."""
    try:
        status = os.stat(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.readline().rstrip("\r\n")
    except OSError as exc:
        raise OptionError(option, "%s cannot be read: %s" % (path, exc.strerror or exc)) from None
    if status.st_mode & 0o007:
        raise OptionError(option, "%s is readable by every user (mode %o): chmod 600 it" % (
            path, status.st_mode & 0o777))
    if not text:
        raise OptionError(option, "%s is empty" % path)
    return text


@dataclass
class BoardConfig:
    """How to reach one board. Every field is checked here, before any network traffic."""

    name: str
    address: str
    username: str = "root"
    password: str = ""
    firmware: str = "auto"  # auto, 1 or 2
    validate_certs: bool = True
    ca_path: str | None = None
    cert_fingerprint: str | None = None  # sha256 of the DER certificate, hex, ':' allowed
    timeout: float = 10.0
    http_port: int = 80
    https_port: int = 443
    password_file: str | None = None  # where the password came from, if from a file (never the password)

    def __post_init__(self) -> None:
        self.address = to_str("address", self.address, required=True).strip()
        self.username = to_str("username", self.username, required=True)
        self.password = "" if self.password is None else to_str("password", self.password, secret=True)
        self.firmware = to_str("firmware", self.firmware)
        if self.firmware not in ("auto", "1", "2"):
            raise OptionError("firmware", "must be auto, 1 or 2, got %r" % (self.firmware,))
        self.validate_certs = to_bool("validate_certs", self.validate_certs)
        self.timeout = to_float("timeout", self.timeout, 0, 3600)
        self.http_port = to_int("http_port", self.http_port, 1, 65535)
        self.https_port = to_int("https_port", self.https_port, 1, 65535)
        if self.cert_fingerprint:
            self.cert_fingerprint = normalise_fingerprint(self.cert_fingerprint)
        else:
            self.cert_fingerprint = None
        if self.ca_path:
            self.ca_path = to_str("ca_path", self.ca_path)
            if not os.path.isfile(self.ca_path):
                raise OptionError("ca_path", "%s is not a file" % self.ca_path)
            if self.cert_fingerprint:
                raise OptionError("ca_path", "and cert_fingerprint exclude each other: pin the board's "
                                  "certificate (cert_fingerprint) or verify it against a CA file (ca_path)")
        else:
            self.ca_path = None

    @classmethod
    def from_params(cls, name: str, params: dict, environ: dict | None = None) -> "BoardConfig":
        """From a dict of CONNECTION_SPEC options (module params or an inventory board entry).

        The password as ``resolve_password`` finds it (``environ`` None: no environment variable).
        """
        values = {key: params[key] for key in CONNECTION_SPEC if params.get(key) is not None}
        if "address" not in values:
            raise OptionError("address", "is required (the BMC's host name or IP address)")
        values["password"] = resolve_password(values.get("password"), values.get("password_file"), environ or {})
        if params.get("password"):
            values.pop("password_file", None)
        return cls(name=name, **values)

    def connection(self) -> dict:
        """The host variable CONNECTION_HOSTVAR: every setting but the password."""
        return {key: getattr(self, key) for key in CONNECTION_KEYS}


def resolve_password(password: object, password_file: object, environ: dict) -> str:
    """The BMC password: ``password`` if given, else the first line of ``password_file``, else
    ``environ[PASSWORD_ENV]``, else "" (firmware 1.x needs none)."""
    if password:
        return to_str("password", password, secret=True)
    if password_file:
        return read_password_file(to_str("password_file", password_file))
    return environ.get(PASSWORD_ENV) or ""


def merge_connection(params: dict, connection: object, defaults: dict) -> dict:
    """Flat CONNECTION_SPEC ``params`` with a ``connection`` dict (CONNECTION_HOSTVAR) merged in.

    Refused, by name: a connection that is not a dict, holds the password or an unknown key, or
    sets what is also set beside it (to a value other than its default in ``defaults``).
    """
    if connection is None:
        return dict(params)
    if not isinstance(connection, dict):
        raise OptionError("connection", "must be a dictionary of BMC settings (%s), got a value of type %s"
                          % (", ".join(CONNECTION_KEYS), type(connection).__name__))
    if "password" in connection:
        raise OptionError("connection.password", "is not allowed: the connection is a host variable that is "
                          "shown in output; give the password as password (vault), password_file or %s"
                          % PASSWORD_ENV)
    unknown = sorted(str(key) for key in connection if key not in CONNECTION_KEYS)
    if unknown:
        raise OptionError("connection", "has unknown keys: %s (known: %s)"
                          % (", ".join(unknown), ", ".join(CONNECTION_KEYS)))
    both = sorted(key for key in connection
                  if params.get(key) is not None and params.get(key) != defaults.get(key))
    if both:
        raise OptionError("connection", "and the option%s %s beside it both set %s: set each in one place"
                          % ("s" if len(both) > 1 else "", ", ".join(both), "them" if len(both) > 1 else "it"))
    merged = dict(params)
    merged.update({key: value for key, value in connection.items() if value is not None})
    return merged


def connection_of_hostvars(host: str, hostvars: object) -> dict:
    """A host's CONNECTION_HOSTVAR, checked to be a dict with an address; {} when it has none."""
    connection = hostvars.get(CONNECTION_HOSTVAR) if hasattr(hostvars, "get") else None
    if connection is None:
        return {}
    if not isinstance(connection, dict) or not connection.get("address"):
        raise OptionError("host %s: %s" % (host, CONNECTION_HOSTVAR), "must be a dictionary with at least an "
                          "address (the turingpi inventory sets it), got %r" % (connection,))
    return dict(connection)


def password_of_hostvars(host: str, hostvars: object, environ: dict) -> str:
    """The password for a host's board: PASSWORD_HOSTVAR (vault), else its connection's
    password_file, else ``environ[PASSWORD_ENV]`` (the turingpi_power module's order)."""
    connection = connection_of_hostvars(host, hostvars)
    password = hostvars.get(PASSWORD_HOSTVAR) if hasattr(hostvars, "get") else None
    return resolve_password(password, connection.get("password_file"), environ)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    content_type: str = ""

    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class SlotState:
    """What the BMC says about one slot (power is the last commanded state, not sensed)."""

    slot: int
    power: bool
    name: str | None = None
    module_name: str | None = None
    power_on_time: int | None = None
    uart_baud: int | None = None


@dataclass
class BoardState:
    board: str
    firmware: str
    version: str
    slots: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


class BmcClient:
    """Talk to one board. Not thread-safe: use one client per board."""

    def __init__(self, config: BoardConfig) -> None:
        self.config = config
        self.firmware: str | None = None if config.firmware == "auto" else config.firmware
        self.version = ""
        self._token: str | None = None
        self._https: http.client.HTTPSConnection | None = None
        self.auth_attempts = 0

    # -- transport ---------------------------------------------------------------------
    def _fail(self, cause: str, status: int | None = None) -> BmcError:
        return BmcError(self.config.name, cause, status)

    def _ssl_context(self) -> ssl.SSLContext:
        if self.config.cert_fingerprint or not self.config.validate_certs:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        context = ssl.create_default_context(cafile=self.config.ca_path)
        return context

    def _connect(self, secure: bool) -> http.client.HTTPConnection:
        host = self.config.address
        if not secure:
            return http.client.HTTPConnection(host, self.config.http_port, timeout=self.config.timeout)
        conn = http.client.HTTPSConnection(host, self.config.https_port, timeout=self.config.timeout,
                                           context=self._ssl_context())
        conn.connect()
        if self.config.cert_fingerprint:
            der = conn.sock.getpeercert(binary_form=True) if conn.sock else None
            seen = hashlib.sha256(der or b"").hexdigest()
            if seen != self.config.cert_fingerprint:
                conn.close()
                raise self._fail("TLS certificate fingerprint %s does not match the pinned %s"
                                 % (seen, self.config.cert_fingerprint))
        return conn

    def peer_certificate(self) -> bytes:
        """The DER certificate the board presents, fetched without trusting it (for messages)."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection((self.config.address, self.config.https_port), self.config.timeout) as raw:
            with context.wrap_socket(raw, server_hostname=self.config.address) as tls:
                return tls.getpeercert(binary_form=True) or b""

    def _untrusted(self, verify_message: str) -> str:
        """Why a CA check refused the board's certificate, and what to do; no credentials were sent."""
        reasons, fingerprint = [verify_message], ""
        try:
            der = self.peer_certificate()
            fingerprint = hashlib.sha256(der).hexdigest()
            reasons = describe_certificate(der, self.config.address) or reasons
        except (OSError, ValueError, ssl.SSLError):
            pass
        message = "TLS certificate not trusted (%s); no credentials were sent." % "; ".join(reasons)
        if self.config.ca_path:
            message += (" ca_path only accepts a valid certificate that names the BMC (a subjectAltName for %s): "
                        "the BMC's own self-signed certificate (CN=Turing-Pi self signed, no subjectAltName, "
                        "30 days from its first boot) never is. Pin it with cert_fingerprint instead"
                        % self.config.address)
        else:
            message += " Pin the BMC's self-signed certificate with cert_fingerprint"
        if fingerprint:
            message += ("; the certificate presented has SHA-256 %s (compare it with `openssl x509 -noout "
                        "-fingerprint -sha256 -in /etc/ssl/certs/bmcd_cert.pem` on the BMC itself)" % fingerprint)
        return message + ", or install a proper certificate on the BMC for ca_path"

    def close(self) -> None:
        if self._https is not None:
            self._https.close()
            self._https = None

    def request(self, method: str, path: str, secure: bool, body: bytes | None = None,
                headers: dict | None = None) -> Response:
        """One HTTP exchange, no redirects followed, every failure a BmcError.

        The HTTPS connection is kept open between calls (one TLS handshake per board).
        """
        host = self.config.address
        try:
            for attempt in (1, 2):
                if secure:
                    if self._https is None:
                        self._https = self._connect(True)
                    conn = self._https
                else:
                    conn = self._connect(False)
                try:
                    conn.request(method, path, body=body, headers=headers or {})
                    reply = conn.getresponse()
                    data = reply.read()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    # The board closed a kept-alive connection: open a new one, once.
                    conn.close()
                    if secure:
                        self._https = None
                    if attempt == 2:
                        raise
                    continue
                result = Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, data,
                                  reply.getheader("Content-Type", "") or "")
                if not secure or reply.will_close:
                    conn.close()
                    if secure:
                        self._https = None
                return result
            raise self._fail("no answer")  # not reached
        except BmcError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise self._fail(self._untrusted(exc.verify_message)) from None
        except ssl.SSLError as exc:
            raise self._fail("TLS error: %s" % exc) from None
        except socket.timeout:
            self.close()
            raise self._fail("no answer within %s s (timeout); check that the BMC is up and reachable, or raise "
                             "timeout" % self.config.timeout) from None
        except (ConnectionError, OSError) as exc:
            self.close()
            raise self._fail("cannot connect to %s port %s: %s; check address, http_port/https_port and that the "
                             "BMC is on" % (host, self.config.https_port if secure else self.config.http_port,
                                            exc.strerror or exc)) from None
        except http.client.HTTPException as exc:
            self.close()
            raise self._fail("bad HTTP answer: %s" % exc) from None

    def _json(self, response: Response, what: str):
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            sample = response.body[:60].decode("utf-8", "replace").strip()
            kind = "HTML" if sample.lower().startswith(("<!doctype", "<html")) else "malformed JSON"
            raise self._fail("%s answered %s instead of JSON (HTTP %s): %r" % (what, kind, response.status, sample),
                             response.status) from None

    # -- version detection -------------------------------------------------------------
    def detect(self) -> str:
        """Find the firmware generation without credentials; returns '1' or '2'."""
        if self.firmware:
            return self.firmware
        for path in ("/info", "/api/bmc/info"):
            response = self.request("GET", path, secure=False)
            if response.status == 200 and "json" in response.content_type:
                payload = self._json(response, "GET %s" % path)
                result = _unwrap(payload)
                if isinstance(result, list) and result and isinstance(result[0], dict):
                    result = result[0]
                if isinstance(result, dict):
                    self.version = str(result.get("version", ""))
                self.firmware = "2"
                return self.firmware
        response = self.request("GET", "/api/bmc?opt=get&type=other", secure=False)
        if response.status in (301, 302, 307, 308):
            self.firmware = "2"
            return self.firmware
        if response.status == 200:
            payload = self._json(response, "GET /api/bmc?opt=get&type=other")
            first = (payload.get("response") or [{}])[0] if isinstance(payload, dict) else {}
            if isinstance(first, dict) and "version" in first and "result" not in first:
                self.version = str(first["version"])
                self.firmware = "1"
                return self.firmware
        raise self._fail("cannot tell the firmware version (HTTP %s on port %s); set firmware: 1 or 2"
                         % (response.status, self.config.http_port), response.status)

    # -- authentication (2.x) ----------------------------------------------------------
    def authenticate(self) -> None:
        if not self.config.password:
            raise self._fail("no password for user %s (set it in the inventory config, vault or "
                             "TURINGPI_PASSWORD)" % self.config.username)
        self.auth_attempts += 1
        body = json.dumps({"username": self.config.username, "password": self.config.password}).encode()
        response = self.request("POST", "/api/bmc/authenticate", secure=True, body=body,
                                headers={"Content-Type": "application/json"})
        if response.status != 200:
            text = response.body.decode("utf-8", "replace").strip()[:200]
            if "exceeded" in text.lower():
                hint = ("the BMC has banned this address after five failed logins; wait for the ban to end (it "
                        "doubles with each further failure) or restart the BMC, and fix the password first")
            else:
                hint = ("check the user and the password (password or password_file in the inventory, or "
                        "TURINGPI_PASSWORD); five failed logins ban this address")
            raise self._fail("authentication as %s failed (HTTP %s): %s; %s" % (
                self.config.username, response.status, text or "no reason given", hint), response.status)
        token = response.headers.get("x-auth-token")
        if not token:
            token = self._json(response, "authenticate").get("id")
        if not token:
            raise self._fail("authentication answered without a token")
        self._token = token

    # -- API calls ---------------------------------------------------------------------
    def call(self, opt: str, type_: str, **params) -> object:
        """``/api/bmc?opt=&type=&...``; returns the payload (``result`` unwrapped on 2.x)."""
        firmware = self.detect()
        query = urllib.parse.urlencode(dict(opt=opt, type=type_, **{k: str(v) for k, v in params.items()}))
        path = "/api/bmc?" + query
        what = "%s %s" % (opt, type_)
        if firmware == "1":
            response = self.request("GET", path, secure=False)
            payload = self._json(response, what)
            first = (payload.get("response") or [None])[0] if isinstance(payload, dict) else None
            if isinstance(first, dict) and first.get("code") not in (None, 200):
                raise self._fail("%s failed: %s" % (what, first.get("result")), first.get("code"))
            return first
        if self._token is None:
            self.authenticate()
        response = self.request("GET", path, secure=True, headers={"Authorization": "Bearer %s" % self._token})
        if response.status == 401:
            # Token expired or the BMC restarted: authenticate once more, never loop.
            self._token = None
            self.authenticate()
            response = self.request("GET", path, secure=True, headers={"Authorization": "Bearer %s" % self._token})
            if response.status == 401:
                raise self._fail("%s refused after re-authenticating (HTTP 401)" % what, 401)
        payload = self._json(response, what)
        result = _unwrap(payload)
        if response.status != 200:
            raise self._fail("%s failed (HTTP %s): %s" % (what, response.status, result), response.status)
        return result

    def power(self) -> dict:
        """Slot -> commanded power state."""
        payload = self.call("get", "power")
        if isinstance(payload, list):
            payload = payload[0] if payload else {}
        if not isinstance(payload, dict):
            raise self._fail("power status has an unexpected shape: %r" % (payload,))
        states = {}
        for slot in SLOTS:
            value = payload.get("node%d" % slot)
            if value is None:
                raise self._fail("power status lacks node%d" % slot)
            states[slot] = str(value) == "1"
        return states

    def node_info(self) -> dict:
        """Slot -> dict(name, module_name, power_on_time, uart_baud); empty before firmware 2.1."""
        if self.detect() == "1":
            return {}
        try:
            payload = self.call("get", "node_info")
        except BmcError as exc:
            if exc.status == 400:  # bmcd before 2.3 (firmware < 2.1) has no node_info
                return {}
            raise
        if not isinstance(payload, list):
            return {}
        return {index + 1: entry for index, entry in enumerate(payload[:4]) if isinstance(entry, dict)}

    def set_power(self, slot: int, on: bool) -> None:
        self.set_powers({slot: on})

    def set_powers(self, states: dict) -> None:
        """Several slots in one request (bmcd takes any subset of node1..node4 at once)."""
        if not states:
            raise ValueError("no slot given")
        for slot in states:
            _check_slot(slot)
        self.call("set", "power", **{"node%d" % slot: 1 if on else 0 for slot, on in sorted(states.items())})

    def reset(self, slot: int) -> None:
        _check_slot(slot)
        self.call("set", "reset", node=slot - 1)

    def state(self) -> BoardState:
        """Everything the inventory needs, in as few calls as the firmware allows."""
        firmware = self.detect()
        power = self.power()
        info = self.node_info()
        slots = []
        for slot in SLOTS:
            extra = info.get(slot, {})
            slots.append(SlotState(slot=slot, power=power[slot], name=extra.get("name"),
                                   module_name=extra.get("module_name"), power_on_time=extra.get("power_on_time"),
                                   uart_baud=extra.get("uart_baud")))
        self.close()
        return BoardState(board=self.config.name, firmware=firmware, version=self.version, slots=slots)


def describe_certificate(der: bytes, address: str) -> list:
    """What makes ``der`` unacceptable to a CA check for ``address`` (empty: cannot tell).

    Uses ``cryptography`` (an ansible-core requirement) when it is there.
    """
    try:
        import datetime

        from cryptography import x509
    except ImportError:
        return []
    cert = x509.load_der_x509_certificate(der)
    reasons = []
    subject = cert.subject.rfc4514_string() or "an empty subject"
    now = datetime.datetime.now(datetime.timezone.utc)
    until = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    since = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(
        tzinfo=datetime.timezone.utc)
    if until < now:
        reasons.append("it expired on %s" % until.date().isoformat())
    elif since > now:
        reasons.append("it is not valid before %s" % since.date().isoformat())
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        listed = [str(n) for n in names.get_values_for_type(x509.DNSName)] + \
                 [str(n) for n in names.get_values_for_type(x509.IPAddress)]
        if address not in listed:
            reasons.append("its subjectAltName (%s) does not name %s" % (", ".join(listed) or "empty", address))
    except x509.ExtensionNotFound:
        reasons.append("it has no subjectAltName, only %s" % subject)
    if cert.issuer == cert.subject:
        reasons.append("it is self-signed")
    return reasons


def _unwrap(payload: object) -> object:
    """``{"response": [{"result": X}]}`` -> X (2.x envelope)."""
    if isinstance(payload, dict) and isinstance(payload.get("response"), list) and payload["response"]:
        first = payload["response"][0]
        if isinstance(first, dict) and "result" in first:
            return first["result"]
        return first
    return payload


def _check_slot(slot: int) -> None:
    if slot not in SLOTS:
        raise ValueError("slot must be 1 to 4, got %r" % (slot,))
