# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing a file so that no reader ever sees half of it (shared by the collection's modules)."""

from __future__ import annotations

import os
import tempfile


def atomic_write(module, path: str, data: bytes, mode: int, missing_hint: str = "") -> None:
    """Write ``data`` to ``path``: a temporary file in the same directory, created with ``mode``
    before anything is written (a secret is never readable by others, not even for a moment),
    then renamed over ``path`` by ``module.atomic_move``. Fails the module, naming the directory,
    when it does not exist (``missing_hint`` says what would have made it)."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        module.fail_json(msg="directory %s does not exist%s" % (directory, " (%s)" % missing_hint if missing_hint else ""))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
