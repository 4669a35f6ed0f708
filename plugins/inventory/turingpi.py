# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: turingpi
short_description: Turing Pi 2 nodes, discovered through each board's BMC
version_added: 0.1.0
description:
  - Asks one or more Turing Pi 2 BMCs (firmware 1.x or 2.x, detected) which slots are powered,
    and makes one host per slot, with the groups beowulf.slurm's roles expect
    (C(slurmctld), C(slurmd), C(nfs_server), C(nfs_clients)) plus C(turingpi), one group per
    board, one per module type (when the BMC has a module name stored), C(powered_on) and
    C(powered_off).
  - Boards are queried in parallel. Credentials come from the config (vault-encrypted values
    work), or the environment; they are never printed.
  - The BMC does not know node addresses. A host is named after the name stored in the BMC's
    node_info (firmware 2.1+) when there is one, else after O(host_name_template); its
    C(ansible_host) comes from the board's C(slots) map, else from O(ansible_host_template),
    else is left to name resolution.
  - The BMC's power state is the last command it was given, not a measurement.
  - Config files must end in C(turingpi.yml) or C(turingpi.yaml).
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin.
    required: true
    type: str
    choices: [beowulf.slurm.turingpi]
  boards:
    description:
      - The boards to ask. Each item has C(name) (required, used in host and group names) and
        C(address) (required, host name or IP of the BMC), and may set C(username), C(password),
        C(password_file), C(firmware) (V(auto), V(1), V(2)), C(validate_certs), C(ca_path),
        C(cert_fingerprint), C(cert_fingerprint_file), C(timeout), C(http_port), C(https_port)
        (1-65535), C(populated_slots) (list) and C(slots), a dictionary from slot number (1-4) to
        a dictionary with C(name), C(ansible_host) and C(vars).
      - The connection keys mean what the options of the same name of M(beowulf.slurm.turingpi_power)
        mean (one argument spec for both, documented once in the C(beowulf.slurm.turingpi_bmc) doc
        fragment), and the inventory exports them per host as one dictionary,
        C(turingpi_bmc_connection) (every setting but the password, with the firmware generation it
        detected), which that module takes as its C(connection) option.
      - C(cert_fingerprint) pins the board's certificate by its SHA-256 (64 hex digits, colons
        allowed, or the line C(openssl x509 -noout -fingerprint -sha256) prints); it works with the
        BMC's stock self-signed certificate, which has no subjectAltName and is normally expired.
        C(cert_fingerprint_file) reads it from a file instead.
      - C(ca_path) verifies a certificate you installed on the BMC (valid, with a subjectAltName for
        C(address)) against a CA file; with the stock certificate it fails before any credentials
        are sent. C(ca_path) and C(cert_fingerprint) exclude each other.
      - C(password_file), C(ca_path) and C(cert_fingerprint_file) are relative to this file. A
        password file must not be readable by every user; its first line is the password.
      - Every setting is checked, with its type and range, before any board is contacted; an
        error names the board and the setting.
    type: list
    elements: dict
    required: true
  username:
    description: BMC user for boards that set none.
    type: str
    default: root
    env:
      - name: TURINGPI_USERNAME
  password:
    description: BMC password for boards that set none (firmware 2.x). Use vault or the environment.
    type: str
    env:
      - name: TURINGPI_PASSWORD
  password_file:
    description:
      - File whose first line is the BMC password, for boards that set neither C(password) nor
        C(password_file) and when O(password) is not set. Relative to this file; it must not be
        readable by every user.
    type: str
  validate_certs:
    description:
      - Verify the BMC's TLS certificate. The BMC ships a self-signed certificate, so either pin it
        with a board's C(cert_fingerprint) or opt out explicitly with V(false). Only Ansible's
        booleans are accepted; anything else is an error, never a silent V(false).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each BMC answer.
    type: float
    default: 10
  host_name_template:
    description: Python format string for host names; fields C(board) and C(slot).
    type: str
    default: "{board}-node{slot}"
  ansible_host_template:
    description: Python format string for C(ansible_host) (fields C(board), C(slot), C(name)); empty leaves it unset.
    type: str
    default: ""
  use_bmc_names:
    description: Name hosts after the name stored in the BMC's node_info when there is one.
    type: bool
    default: true
  populated_slots:
    description: Slots that hold a module (the BMC cannot tell); a board's C(populated_slots) wins.
    type: list
    elements: int
    default: [1, 2, 3, 4]
  controller:
    description:
      - Which slot is the Slurm controller (group C(slurmctld)), as C(board) and C(slot).
        Default slot 3 (the SATA slot) of the first board. It must be one of that board's
        populated slots; this is checked before any board is contacted.
    type: dict
    default: {}
  nfs_server:
    description:
      - Which slot exports the shared storage (group C(nfs_server)), as C(board) and C(slot).
        Default the controller's slot. Checked like O(controller).
    type: dict
    default: {}
  nfs:
    description:
      - Fill groups C(nfs_server) and C(nfs_clients). V(false) leaves them empty, so C(site.yml)
        deploys no shared storage (for example on the emulated board, whose containers cannot
        run the kernel NFS server).
    type: bool
    default: true
  controller_is_compute:
    description: Also put the controller in group C(slurmd).
    type: bool
    default: false
  include_powered_off:
    description: List slots the BMC says are off (in C(powered_off)) instead of leaving them out.
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventories/turingpi/turingpi.yml
plugin: beowulf.slurm.turingpi
boards:
  - name: tp1
    address: turingpi.local
    cert_fingerprint: "3F:9A:...:C1"     # openssl x509 -noout -fingerprint -sha256
    slots:
      1: {ansible_host: 192.168.1.101}
      2: {ansible_host: 192.168.1.102}
      3: {ansible_host: 192.168.1.103}
      4: {ansible_host: 192.168.1.104}
# password from TURINGPI_PASSWORD, or: password: !vault |, or: password_file: tp1.password
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/beowulf-turingpi
cache_timeout: 300
"""

import concurrent.futures
import os
import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable, get_cache_plugin
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import (
    CONNECTION_HOSTVAR,
    CONNECTION_SPEC,
    BmcClient,
    BmcError,
    BoardConfig,
    OptionError,
    normalise_fingerprint,
    to_bool,
    to_float,
    to_int,
    to_str,
)

PREFIX = "turingpi inventory"
# Per board: the connection settings, plus what only the inventory knows.
BOARD_KEYS = set(CONNECTION_SPEC) | {"name", "slots", "populated_slots", "cert_fingerprint_file"}
SLOT_KEYS = {"name", "ansible_host", "vars"}
ROLE_SLOT_KEYS = {"board", "slot"}
# Top-level options of ours whose YAML type Ansible would coerce silently ("perhaps" -> False):
# checked on the file's raw values first.
TOP_BOOLS = ("validate_certs", "use_bmc_names", "nfs", "controller_is_compute", "include_powered_off")


GROUPS = ("turingpi", "powered_on", "powered_off", "slurmctld", "slurmd", "nfs_server", "nfs_clients")


def safe_group(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name)).strip("_").lower() or "unnamed"


def _secret(value: object) -> object:
    """A vault-encrypted value as its plain text (ansible-core 2.19 EncryptedString is no str)."""
    if value is None or isinstance(value, str):
        return value
    if type(value).__name__ in ("EncryptedString", "AnsibleVaultEncryptedUnicode"):
        return str(value)
    return value


def slot_list(option: str, value: object) -> list:
    if not isinstance(value, list) or not value:
        raise OptionError(option, "must be a non-empty list of slot numbers 1-4, got %r" % (value,))
    return sorted({to_int(option, item, 1, 4) for item in value})


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Turing Pi 2 BMC inventory."""

    NAME = "beowulf.slurm.turingpi"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("turingpi.yml", "turingpi.yaml"))

    # -- configuration ---------------------------------------------------------------------
    def _resolve(self, path):
        """A relative path (ca_path, password_file, cert_fingerprint_file) is relative to the config file."""
        if not path:
            return None
        path = os.path.expanduser(str(path))
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(self._config_dir, path))

    def _read_config_data(self, path):
        """Check our options' raw YAML types before Ansible coerces them, then set the options.

        What ``BaseInventoryPlugin._read_config_data`` does, with one parse of the file and no deep
        copy of it (nothing here changes the parsed data): the cached path is dominated by parsing.
        """
        try:
            raw = self.loader.load_from_file(path, cache="none", unsafe=True, trusted_as_template=True)
        except Exception as exc:
            raise AnsibleParserError(str(exc)) from None
        if not raw:
            raise AnsibleParserError("%s is empty" % path)
        if not isinstance(raw, dict):
            raise AnsibleParserError("%s: %s must be a YAML dictionary of options" % (PREFIX, path))
        if raw.get("plugin") not in (getattr(self, "_redirected_names", None) or [self.NAME]):
            raise AnsibleParserError("Incorrect plugin name in file: %s" % raw.get("plugin", "none found"))
        try:
            for option in TOP_BOOLS:
                if option in raw:
                    to_bool(option, raw[option])
            if "timeout" in raw:
                to_float("timeout", raw["timeout"], 0, 3600)
            if "populated_slots" in raw:
                slot_list("populated_slots", raw["populated_slots"])
            for option in ("username", "host_name_template", "ansible_host_template", "password_file"):
                if raw.get(option) is not None:
                    to_str(option, raw[option])
        except OptionError as exc:
            raise AnsibleParserError("%s: option %s" % (PREFIX, exc)) from None
        self.set_options(direct=raw, var_options=self._vars)
        if self.get_option("cache"):
            options = {key: self.get_option(option) for key, option in
                       (("_uri", "cache_connection"), ("_timeout", "cache_timeout"), ("_prefix", "cache_prefix"))
                       if self.get_option(option) is not None}
            self._cache = get_cache_plugin(self.get_option("cache_plugin"), **options)
        return raw

    def _role_slot(self, option: str, boards: dict, fallback: tuple) -> tuple:
        """``controller`` / ``nfs_server``: a populated slot of a configured board, checked before any login."""
        value = self.get_option(option) or {}
        where = "%s: option %s" % (PREFIX, option)
        if not isinstance(value, dict):
            raise AnsibleParserError("%s must be a dictionary with board and slot, got %r" % (where, value))
        unknown = set(value) - ROLE_SLOT_KEYS
        if unknown:
            raise AnsibleParserError("%s has unknown keys: %s (only board and slot)" % (where, ", ".join(sorted(unknown))))
        board = str(value.get("board", fallback[0]))
        try:
            slot = to_int("slot", value.get("slot", fallback[1]), 1, 4)
        except OptionError as exc:
            raise AnsibleParserError("%s.%s" % (where, exc)) from None
        if board not in boards:
            raise AnsibleParserError("%s.board %s is not a configured board (boards: %s)"
                                     % (where, board, ", ".join(boards)))
        if slot not in boards[board]:
            raise AnsibleParserError("%s names slot %d of board %s, which is not in its populated_slots %s"
                                     % (where, slot, board, boards[board]))
        return board, slot

    def _board(self, index: int, board: object, seen: set) -> tuple:
        where = "%s: boards[%d]" % (PREFIX, index)
        if not isinstance(board, dict):
            raise AnsibleParserError("%s must be a dictionary, got %r" % (where, board))
        unknown = set(board) - BOARD_KEYS
        if unknown:
            raise AnsibleParserError("%s has unknown keys: %s" % (where, ", ".join(sorted(unknown))))
        try:
            name = to_str("name", board.get("name"), required=True)
        except OptionError as exc:
            raise AnsibleParserError("%s: %s" % (where, exc)) from None
        where = "%s (%s)" % (where, name)
        if name in seen:
            raise AnsibleParserError("%s: board name %s is used twice" % (where, name))
        seen.add(name)
        try:
            params = {key: board[key] for key in CONNECTION_SPEC if board.get(key) is not None}
            params["password"] = _secret(board.get("password"))
            if board.get("password") is None and board.get("password_file") is None:
                params["password"] = _secret(self.get_option("password"))
                if not params["password"] and self.get_option("password_file"):
                    params["password_file"] = self.get_option("password_file")
            for key in ("password_file", "ca_path"):
                if params.get(key) is not None:
                    params[key] = self._resolve(to_str(key, params[key]))
            if board.get("cert_fingerprint_file") is not None:
                if board.get("cert_fingerprint"):
                    raise OptionError("cert_fingerprint_file", "and cert_fingerprint exclude each other")
                params["cert_fingerprint"] = self._fingerprint_file(board["cert_fingerprint_file"])
            params.setdefault("username", self.get_option("username"))
            params.setdefault("validate_certs", self.get_option("validate_certs"))
            params.setdefault("timeout", self.get_option("timeout"))
            if params.get("firmware") is not None:
                params["firmware"] = to_str("firmware", params["firmware"])
            config = BoardConfig.from_params(name, params)
            slots = board.get("slots") or {}
            if not isinstance(slots, dict):
                raise OptionError("slots", "must map slot numbers 1-4 to settings, got %r" % (slots,))
            settings = {}
            for key, value in slots.items():
                number = to_int("slots key", key, 1, 4)
                value = value or {}
                if not isinstance(value, dict) or set(value) - SLOT_KEYS:
                    raise OptionError("slots.%s" % key, "must be a dictionary with name, ansible_host and vars, "
                                      "got %r" % (value,))
                if value.get("vars") is not None and not isinstance(value["vars"], dict):
                    raise OptionError("slots.%s.vars" % key, "must be a dictionary")
                settings[number] = value
            populated = slot_list("populated_slots", board.get("populated_slots", self.get_option("populated_slots")))
        except OptionError as exc:
            raise AnsibleParserError("%s: %s" % (where, exc)) from None
        return config, settings, populated

    def _fingerprint_file(self, value: object) -> str:
        path = self._resolve(to_str("cert_fingerprint_file", value))
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read().strip()
        except OSError as exc:
            raise OptionError("cert_fingerprint_file", "%s cannot be read: %s" % (path, exc.strerror or exc)) from None
        try:
            return normalise_fingerprint(text)
        except OptionError:
            raise OptionError("cert_fingerprint_file", "%s does not hold a SHA-256 fingerprint" % path) from None

    def _boards(self) -> list:
        boards = self.get_option("boards")
        if not isinstance(boards, list) or not boards:
            raise AnsibleParserError("%s: option boards must be a non-empty list of boards" % PREFIX)
        seen: set = set()
        return [self._board(index, board, seen) for index, board in enumerate(boards)]

    # -- discovery ---------------------------------------------------------------------------
    @staticmethod
    def _ask(config: BoardConfig) -> dict:
        state = BmcClient(config).state()
        return {"board": state.board, "firmware": state.firmware, "version": state.version,
                # How to reach the BMC again (turingpi_power's connection); never the password.
                "connection": dict(config.connection(), firmware=state.firmware),
                "slots": [{"slot": s.slot, "power": s.power, "name": s.name, "module_name": s.module_name,
                           "power_on_time": s.power_on_time} for s in state.slots]}

    def _discover(self, configs: list) -> list:
        workers = min(32, len(configs))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self._ask, config) for config, _slots, _populated in configs]
            results, errors = [], []
            for future in futures:
                try:
                    results.append(future.result())
                except BmcError as exc:
                    errors.append(str(exc))
        if errors:
            raise AnsibleParserError("; ".join(errors))
        return results

    # -- hosts and groups ----------------------------------------------------------------------
    def _role_slots(self, configs: list) -> tuple:
        populated = {config.name: slots for config, _settings, slots in configs}
        controller = self._role_slot("controller", populated, (configs[0][0].name, 3))
        nfs = self._role_slot("nfs_server", populated, controller) if self.get_option("nfs") else None
        return controller, nfs

    def _hosts(self, configs: list, results: list) -> list:
        """Discovery: one entry per reported slot that becomes a host (populated, and powered on
        unless include_powered_off), with its name, board, slot, power, module and host vars."""
        by_board = {config.name: (slots, populated) for config, slots, populated in configs}
        hosts = []
        for result in results:
            board = result["board"]
            slot_settings, populated = by_board[board]
            for slot in result["slots"]:
                number = slot["slot"]
                if number not in populated:
                    continue
                if not slot["power"] and not self.get_option("include_powered_off"):
                    continue
                settings = slot_settings.get(number, {})
                name = settings.get("name") or (slot["name"] if self.get_option("use_bmc_names") and slot["name"]
                                                else self.get_option("host_name_template").format(board=board,
                                                                                                  slot=number))
                hostvars = {
                    "turingpi_board": board, "turingpi_slot": number,
                    "turingpi_power": "on" if slot["power"] else "off",
                    "turingpi_module": slot["module_name"], "turingpi_power_on_time": slot["power_on_time"],
                    "turingpi_firmware": result["version"], "turingpi_firmware_generation": result["firmware"],
                    CONNECTION_HOSTVAR: dict(result["connection"]),
                }
                address = settings.get("ansible_host")
                if not address and self.get_option("ansible_host_template"):
                    address = self.get_option("ansible_host_template").format(board=board, slot=number, name=name)
                if address:
                    hostvars["ansible_host"] = address
                hostvars.update(settings.get("vars") or {})
                hosts.append({"name": name, "board": board, "slot": number, "power": bool(slot["power"]),
                              "module": slot["module_name"], "vars": hostvars})
        return hosts

    def _add_hosts(self, hosts: list) -> None:
        """The hosts with their variables in the discovery groups: turingpi, the board's,
        powered_on/powered_off, module_<module>, and the user's compose/groups/keyed_groups."""
        strict = self.get_option("strict")
        for entry in hosts:
            host = self.inventory.add_host(entry["name"], group="turingpi")
            self.inventory.add_child(self.inventory.add_group(safe_group(entry["board"])), host)
            self.inventory.add_host(host, group="powered_on" if entry["power"] else "powered_off")
            if entry["module"]:
                self.inventory.add_host(host, group=self.inventory.add_group("module_" + safe_group(entry["module"])))
            for key, value in entry["vars"].items():
                self.inventory.set_variable(host, key, value)
            self._set_composite_vars(self.get_option("compose"), entry["vars"], host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), entry["vars"], host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), entry["vars"], host, strict=strict)

    def _add_cluster_groups(self, hosts: list, controller: tuple, nfs: tuple | None) -> None:
        """Cluster policy: the controller slot in slurmctld (and slurmd with controller_is_compute),
        every other host in slurmd; the NFS server slot in nfs_server and, when there is one, the
        others in nfs_clients."""
        server = [entry["name"] for entry in hosts if (entry["board"], entry["slot"]) == nfs]
        for entry in hosts:
            is_controller = (entry["board"], entry["slot"]) == controller
            if is_controller:
                self.inventory.add_host(entry["name"], group="slurmctld")
            if not is_controller or self.get_option("controller_is_compute"):
                self.inventory.add_host(entry["name"], group="slurmd")
            if server:
                self.inventory.add_host(entry["name"], group="nfs_server" if entry["name"] in server else "nfs_clients")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._config_dir = os.path.dirname(os.path.abspath(path))
        self._read_config_data(path)
        configs = self._boards()
        controller, nfs = self._role_slots(configs)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        results = None
        if use_cache and cache:
            try:
                results = self._cache[cache_key]
            except KeyError:
                results = None
            if not isinstance(results, list) or not all(
                    isinstance(result, dict) and (result.get("connection") or {}).get("address") for result in results):
                results = None  # missing, or written by an earlier version of this plugin: ask again
        if results is None:
            results = self._discover(configs)
            if use_cache:
                self._cache[cache_key] = results
        hosts = self._hosts(configs, results)
        for group in GROUPS:  # present even when empty, in this order
            self.inventory.add_group(group)
        self._add_hosts(hosts)
        self._add_cluster_groups(hosts, controller, nfs)
