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
        C(firmware) (V(auto), V(1), V(2)), C(validate_certs), C(ca_path) (relative to this file),
        C(cert_fingerprint)
        (SHA-256 of the board's certificate, to pin a self-signed one), C(timeout),
        C(http_port), C(https_port), C(populated_slots) (list) and C(slots), a dictionary from
        slot number (1-4) to a dictionary with C(name), C(ansible_host) and C(vars).
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
  validate_certs:
    description:
      - Verify the BMC's TLS certificate. The BMC ships a self-signed certificate, so either pin it
        with a board's C(cert_fingerprint) or C(ca_path), or opt out explicitly with V(false).
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
        Default slot 3 (the SATA slot) of the first board.
    type: dict
    default: {}
  nfs_server:
    description: Which slot exports the shared storage (group C(nfs_server)). Default the controller's slot.
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
    cert_fingerprint: "3f:9a:...:c1"     # openssl x509 -noout -fingerprint -sha256
    slots:
      1: {ansible_host: 192.168.1.101}
      2: {ansible_host: 192.168.1.102}
      3: {ansible_host: 192.168.1.103}
      4: {ansible_host: 192.168.1.104}
# password from TURINGPI_PASSWORD, or: password: !vault |
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/beowulf-turingpi
cache_timeout: 300
"""

import concurrent.futures
import os
import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import (
    SLOTS,
    BmcClient,
    BmcError,
    BoardConfig,
)

BOARD_KEYS = {"name", "address", "username", "password", "firmware", "validate_certs", "ca_path",
              "cert_fingerprint", "timeout", "http_port", "https_port", "slots", "populated_slots"}


def safe_group(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name)).strip("_").lower() or "unnamed"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Turing Pi 2 BMC inventory."""

    NAME = "beowulf.slurm.turingpi"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("turingpi.yml", "turingpi.yaml"))

    # -- configuration ---------------------------------------------------------------------
    def _resolve(self, path):
        """A relative ca_path is relative to the inventory config file."""
        if not path:
            return None
        path = os.path.expanduser(str(path))
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(self._config_dir, path))

    def _boards(self) -> list:
        boards = self.get_option("boards")
        if not isinstance(boards, list) or not boards:
            raise AnsibleParserError("turingpi inventory: boards must be a non-empty list")
        configs, seen = [], set()
        for index, board in enumerate(boards):
            where = "turingpi inventory: boards[%d]" % index
            if not isinstance(board, dict):
                raise AnsibleParserError("%s must be a dictionary" % where)
            unknown = set(board) - BOARD_KEYS
            if unknown:
                raise AnsibleParserError("%s has unknown keys: %s" % (where, ", ".join(sorted(unknown))))
            for key in ("name", "address"):
                if not board.get(key):
                    raise AnsibleParserError("%s needs %s" % (where, key))
            name = str(board["name"])
            if name in seen:
                raise AnsibleParserError("%s: board name %s is used twice" % (where, name))
            seen.add(name)
            password = board.get("password", self.get_option("password"))
            try:
                config = BoardConfig(
                    name=name, address=str(board["address"]),
                    username=str(board.get("username", self.get_option("username"))),
                    password="" if password is None else str(password),
                    firmware=str(board.get("firmware", "auto")),
                    validate_certs=bool(board.get("validate_certs", self.get_option("validate_certs"))),
                    ca_path=self._resolve(board.get("ca_path")), cert_fingerprint=board.get("cert_fingerprint"),
                    timeout=float(board.get("timeout", self.get_option("timeout"))),
                    http_port=int(board.get("http_port", 80)), https_port=int(board.get("https_port", 443)),
                )
            except (TypeError, ValueError) as exc:
                raise AnsibleParserError("%s: %s" % (where, exc)) from None
            slots = board.get("slots") or {}
            if not isinstance(slots, dict) or any(int(k) not in SLOTS for k in slots):
                raise AnsibleParserError("%s.slots must map slot numbers 1-4 to settings" % where)
            populated = board.get("populated_slots", self.get_option("populated_slots"))
            if not isinstance(populated, list) or any(int(s) not in SLOTS for s in populated):
                raise AnsibleParserError("%s.populated_slots must list slot numbers 1-4" % where)
            configs.append((config, {int(k): v or {} for k, v in slots.items()}, [int(s) for s in populated]))
        return configs

    # -- discovery ---------------------------------------------------------------------------
    @staticmethod
    def _ask(config: BoardConfig) -> dict:
        state = BmcClient(config).state()
        return {"board": state.board, "firmware": state.firmware, "version": state.version,
                "address": config.address,
                # How to reach the BMC again (turingpi_power); never the password.
                "connection": {"username": config.username, "http_port": config.http_port,
                               "https_port": config.https_port, "validate_certs": config.validate_certs,
                               "ca_path": config.ca_path, "cert_fingerprint": config.cert_fingerprint,
                               "firmware": state.firmware},
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
    def _role_slot(self, option: str, fallback: tuple) -> tuple:
        value = self.get_option(option) or {}
        if not isinstance(value, dict):
            raise AnsibleParserError("turingpi inventory: %s must be a dictionary with board and slot" % option)
        board = str(value.get("board", fallback[0]))
        slot = int(value.get("slot", fallback[1]))
        if slot not in SLOTS:
            raise AnsibleParserError("turingpi inventory: %s.slot must be 1 to 4, got %s" % (option, slot))
        return board, slot

    def _populate(self, configs: list, results: list) -> None:
        by_board = {config.name: (slots, populated) for config, slots, populated in configs}
        first_board = configs[0][0].name
        controller = self._role_slot("controller", (first_board, 3))
        nfs = self._role_slot("nfs_server", controller)
        if controller[0] not in by_board:
            raise AnsibleParserError("turingpi inventory: controller.board %s is not a configured board"
                                     % controller[0])
        strict = self.get_option("strict")
        for group in ("turingpi", "powered_on", "powered_off", "slurmctld", "slurmd", "nfs_server", "nfs_clients"):
            self.inventory.add_group(group)
        has_nfs_server = False
        cluster_hosts = []
        for result in results:
            board = result["board"]
            slot_settings, populated = by_board[board]
            board_group = self.inventory.add_group(safe_group(board))
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
                host = self.inventory.add_host(name, group="turingpi")
                self.inventory.add_child(board_group, host)
                self.inventory.add_host(host, group="powered_on" if slot["power"] else "powered_off")
                if slot["module_name"]:
                    self.inventory.add_host(host, group=self.inventory.add_group(
                        "module_" + safe_group(slot["module_name"])))
                hostvars = {
                    "turingpi_board": board, "turingpi_slot": number,
                    "turingpi_power": "on" if slot["power"] else "off",
                    "turingpi_module": slot["module_name"], "turingpi_power_on_time": slot["power_on_time"],
                    "turingpi_firmware": result["version"], "turingpi_firmware_generation": result["firmware"],
                    "turingpi_bmc": result["address"],
                }
                hostvars.update({"turingpi_bmc_" + key: value for key, value in result["connection"].items()})
                address = settings.get("ansible_host")
                if not address and self.get_option("ansible_host_template"):
                    address = self.get_option("ansible_host_template").format(board=board, slot=number, name=name)
                if address:
                    hostvars["ansible_host"] = address
                hostvars.update(settings.get("vars") or {})
                for key, value in hostvars.items():
                    self.inventory.set_variable(host, key, value)
                is_controller = (board, number) == controller
                if is_controller:
                    self.inventory.add_host(host, group="slurmctld")
                if not is_controller or self.get_option("controller_is_compute"):
                    self.inventory.add_host(host, group="slurmd")
                if (board, number) == nfs and self.get_option("nfs"):
                    self.inventory.add_host(host, group="nfs_server")
                    has_nfs_server = True
                cluster_hosts.append(host)
                self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
                self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
                self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
        if has_nfs_server:
            servers = set(self.inventory.groups["nfs_server"].get_hosts())
            for host in cluster_hosts:
                if self.inventory.get_host(host) not in servers:
                    self.inventory.add_host(host, group="nfs_clients")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._config_dir = os.path.dirname(os.path.abspath(path))
        self._read_config_data(path)
        configs = self._boards()
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        results = None
        if use_cache and cache:
            try:
                results = self._cache[cache_key]
            except KeyError:
                results = None
        if results is None:
            results = self._discover(configs)
            if use_cache:
                self._cache[cache_key] = results
        self._populate(configs, results)
