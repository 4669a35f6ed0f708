# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The accounting settings of the slurm role checked together, before anything changes.

The argument spec checks each option's type; what it cannot say is here: one slurmdbd host, a
database host that is a name or an address, accounts with usable names and user lists and no
name twice, MariaDB options as names with string or number values. One message per problem,
naming the variable. The database password itself never comes here (only whether it is text).
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping

HOST = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?)?$")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _bad_account(account: Any) -> bool:
    if not isinstance(account, Mapping) or not isinstance(account.get("name"), str):
        return True
    users = account.get("users")
    return not NAME.match(account["name"]) or (
        users is not None and (not isinstance(users, (list, tuple)) or not all(isinstance(u, str) for u in users)))


def _bad_mariadb(settings: Any) -> List[str]:
    if not isinstance(settings, Mapping):
        return [str(settings)]
    return [str(key) for key, value in settings.items()
            if not isinstance(key, str) or not NAME.match(key) or isinstance(value, bool)
            or not isinstance(value, (str, int, float))]


def accounting_errors(dbd_hosts: List[str], pass_is_text: bool, storage_host: Any, accounts: Any,
                      mariadb_settings: Any) -> List[str]:
    """What is wrong with the accounting settings ([] when nothing is)."""
    errors = []
    if len(dbd_hosts) > 1:
        errors.append("group slurmdbd must hold at most one host (it holds %s)" % ", ".join(dbd_hosts))
    if not pass_is_text:
        errors.append("slurm_dbd_storage_pass must be a string (quote it; keep it in Ansible Vault)")
    if not isinstance(storage_host, str) or not HOST.match(storage_host):
        errors.append("slurm_dbd_storage_host must be a host name or an address, got %r" % (storage_host,))
    if not isinstance(accounts, (list, tuple)):
        errors.append("slurm_accounts must be a list of accounts, got %r" % (accounts,))
    else:
        bad = [account for account in accounts if _bad_account(account)]
        if bad:
            errors.append("slurm_accounts: each account needs a name of letters, digits, - and _, and users as a "
                          "list of names: %r" % (bad,))
        names = [account["name"] for account in accounts if not _bad_account(account)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            errors.append("slurm_accounts names an account twice: %s" % ", ".join(twice))
    bad_options = _bad_mariadb(mariadb_settings)
    if bad_options:
        errors.append("slurm_dbd_mariadb_settings must be a dict of MariaDB options: each entry needs an option "
                      "name (letters, digits, - and _) and a string or number value (ON/OFF as strings); not so: %s"
                      % ", ".join(bad_options))
    return errors
