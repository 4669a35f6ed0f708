#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: turingpi_power
short_description: Power Turing Pi 2 slots on or off, or power-cycle them, through the BMC
version_added: 0.1.0
description:
  - Talks to a Turing Pi 2 BMC (firmware 1.x or 2.x, detected) and switches slots.
  - V(on) and V(off) are idempotent; a slot the BMC already reports in that state is left alone.
    V(reset) power-cycles the slots every time it runs.
  - The BMC's power state is the last command it received, not a measurement.
  - "Usually run on the Ansible controller: C(delegate_to: localhost)."
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - beowulf.slurm.turingpi_bmc
options:
  connection:
    description:
      - Every setting of how to reach the BMC but the password, in one dictionary with the keys of
        this module's other connection options (O(address), O(username), O(password_file),
        O(firmware), O(validate_certs), O(ca_path), O(cert_fingerprint), O(timeout), O(http_port),
        O(https_port)). The turingpi inventory exports it per host as C(turingpi_bmc_connection), so
        a playbook passes that variable here and nothing else but the password.
      - A key set here must not also be set as its own option, the password is refused here (a host
        variable is shown in output), and an unknown key is refused by name.
    type: dict
  address:
    description: Host name or IP address of the BMC. Required unless O(connection) has it.
    type: str
    required: false
  board:
    description: A name for the board, used in messages.
    type: str
    default: turingpi
  slots:
    description: Slot numbers, 1 to 4.
    type: list
    elements: int
    required: true
  state:
    description: The power state to reach, or V(reset) to power-cycle.
    type: str
    choices: ["on", "off", reset]
    required: true
attributes:
  check_mode:
    description: Reports what would change without switching anything.
    support: full
  diff_mode:
    description: Shows the power states before and after.
    support: full
"""

EXAMPLES = r"""
- name: Power the cluster's slots on
  beowulf.slurm.turingpi_power:
    address: turingpi.local
    password: "{{ vault_turingpi_password }}"
    cert_fingerprint: "{{ turingpi_fingerprint }}"
    slots: [1, 2, 3, 4]
    state: "on"
  delegate_to: localhost

- name: Power a host of the turingpi inventory on (its slot, on its board)
  beowulf.slurm.turingpi_power:
    connection: "{{ turingpi_bmc_connection }}"
    password: "{{ turingpi_bmc_password | default(omit) }}"  # else password_file, else TURINGPI_PASSWORD
    board: "{{ turingpi_board }}"
    slots: ["{{ turingpi_slot }}"]
    state: "on"
  delegate_to: localhost

- name: Power-cycle node 2
  beowulf.slurm.turingpi_power:
    address: turingpi.local
    password: "{{ vault_turingpi_password }}"
    validate_certs: false
    slots: [2]
    state: reset
  delegate_to: localhost
"""

RETURN = r"""
before:
  description: Power state of every slot before (slot number to V(on)/V(off)).
  returned: success
  type: dict
  sample: {"1": "off", "2": "on", "3": "on", "4": "on"}
after:
  description: Power state of every slot after (the BMC's own report, or the expected state in check mode).
  returned: success
  type: dict
  sample: {"1": "on", "2": "on", "3": "on", "4": "on"}
switched:
  description: Slots that were switched or power-cycled.
  returned: success
  type: list
  elements: int
  sample: [1]
firmware:
  description: Firmware version the BMC reports.
  returned: success
  type: str
  sample: 2.3.4
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import (
    CONNECTION_SPEC,
    SLOTS,
    BmcClient,
    BmcError,
    BoardConfig,
    OptionError,
    merge_connection,
)


def _names(states: dict) -> dict:
    return {str(slot): "on" if on else "off" for slot, on in sorted(states.items())}


def main() -> None:
    spec = {key: dict(value) for key, value in CONNECTION_SPEC.items()}
    spec["address"]["required"] = False  # or in connection
    spec.update(
        connection=dict(type="dict"),
        board=dict(type="str", default="turingpi"),
        slots=dict(type="list", elements="int", required=True),
        state=dict(type="str", choices=["on", "off", "reset"], required=True),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    bad = [slot for slot in params["slots"] if slot not in SLOTS]
    if bad or not params["slots"]:
        module.fail_json(msg="slots must list slot numbers 1 to 4, got %s" % params["slots"])
    connection = params["connection"]
    if isinstance(connection, dict) and connection.get("password"):
        module.no_log_values.add(str(connection["password"]))  # refused below, and never shown
    defaults = {key: value.get("default") for key, value in CONNECTION_SPEC.items()}
    try:
        settings = merge_connection(params, params["connection"], defaults)
        config = BoardConfig.from_params(params["board"], settings, os.environ)
    except OptionError as exc:
        module.fail_json(msg="board %s: %s" % (params["board"], exc))
    client = BmcClient(config)
    try:
        before = client.power()
        slots = sorted(set(params["slots"]))
        if params["state"] == "reset":
            switched = slots
        else:
            wanted = params["state"] == "on"
            switched = [slot for slot in slots if before[slot] != wanted]
        after = dict(before)
        if not module.check_mode:
            for slot in switched:
                if params["state"] == "reset":
                    client.reset(slot)
                else:
                    client.set_power(slot, params["state"] == "on")
            if switched:
                after = client.power()
        elif params["state"] != "reset":
            after.update({slot: params["state"] == "on" for slot in switched})
        client.close()
    except BmcError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=bool(switched), before=_names(before), after=_names(after), switched=switched,
                  firmware=client.version)
    if module._diff:
        result["diff"] = dict(before=_names(before), after=_names(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
