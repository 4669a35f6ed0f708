# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options must have the type their role's argument spec documents, without conversion.

Ansible's role argument validation converts quietly where it can: a list or a dict given for a
``str`` option passes as its Python text (``"['testing']"``), a string given for a ``list`` as a
one-element list. The converted value is only checked, never used: the role's tasks see what the
user wrote, and a string looped over as a list is its characters. These checks refuse such values
by name before anything changes. Numbers stay fine for text options (a cluster named 2026)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

BOOLEAN_WORDS = {"yes", "no", "true", "false", "on", "off", "y", "n", "t", "f", "1", "0"}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean (%s)" % str(value).lower()
    if isinstance(value, Mapping):
        return "a dictionary"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "a string (%r)" % value if len(value) <= 40 else "a string"
    if isinstance(value, (int, float)):
        return "a number (%s)" % value
    return "%s" % type(value).__name__


def type_error(name: str, value: Any, kind: str) -> str:
    """'' when ``value`` is usable as the documented ``kind`` as written, else the problem."""
    if value is None or kind in ("raw", ""):
        return ""
    if kind in ("str", "path"):
        ok = isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))
        want = "a string"
    elif kind == "list":
        ok, want = isinstance(value, (list, tuple)), "a list (write [%s] for one item)" % (
            value if isinstance(value, str) else "...")
    elif kind == "dict":
        ok, want = isinstance(value, Mapping), "a dictionary"
    elif kind == "bool":
        ok = isinstance(value, bool) or (isinstance(value, (str, int)) and str(value).lower() in BOOLEAN_WORDS)
        want = "true or false"
    elif kind == "int":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.strip().lstrip("-").isdigit())
        want = "a whole number"
    else:
        return ""
    return "" if ok else "%s must be %s, got %s" % (name, want, describe(value))


def option_type_errors(options: Mapping[str, Any], hostvars: Mapping[str, Any], hosts: List[str]) -> List[str]:
    """Every option of ``options`` (an argument spec's options) that one of ``hosts`` sets to a
    value of another type; one line per option and problem, naming the hosts (all of them: "every
    host")."""
    found: Dict[str, List[str]] = {}
    for host in hosts:
        values = hostvars[host]
        for name, spec in options.items():
            try:
                if name not in values:
                    continue
                value = values[name]
            except Exception:  # pylint: disable=broad-except  # a value that does not render: its own task says why
                continue
            problem = type_error(name, value, (spec or {}).get("type", "str"))
            if problem:
                found.setdefault(problem, []).append(host)
    lines = []
    for problem, where in found.items():
        every = len(where) == len(hosts) and len(hosts) > 1
        lines.append("%s (%s)" % (problem, "every host" if every else ", ".join(where)))
    return lines
