# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing a file so that no reader ever sees half of it (shared by the collection's modules)."""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
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


# Several directories and files in one call (the file_set module): one module run per host
# instead of one per path, which is most of a no-op converge's cost on a slow link or CPU.

FILE_SET_STATES = ("directory", "file", "absent")

# The argument spec of a ``paths`` option (file_set; slurm_conf's other files of a node). Its
# documentation is the doc fragment beowulf.slurm.file_set_paths.
PATHS_SPEC = dict(type="list", elements="dict", default=[], options=dict(
    path=dict(type="path", required=True),
    state=dict(type="str", choices=list(FILE_SET_STATES)),
    content=dict(type="str"),
    line=dict(type="str"),
    line_match=dict(type="str"),
    append=dict(type="bool"),
    owner=dict(type="str", default="root"),
    group=dict(type="str", default="root"),
    mode=dict(type="raw"),
))


def parse_mode(value: object, where: str) -> int:
    """A mode given as an octal string ("0644", "755"). An int is refused: YAML reads 0644 as 420
    and 644 as the decimal 644, so a bare number is almost never what was meant."""
    if not isinstance(value, str) or not value or len(value) > 4 or any(c not in "01234567" for c in value):
        raise ValueError("%s.mode must be an octal string such as \"0644\", got %r" % (where, value))
    return int(value, 8)


def check_entry(entry: object, index: int) -> dict:
    """One entry of file_set's paths, checked and normalised; ValueError names the field."""
    where = "paths[%d]" % index
    if not isinstance(entry, dict):
        raise ValueError("%s must be a dict with path, mode and state or content, got %r" % (where, entry))
    fields = {"path", "state", "content", "line", "line_match", "append", "owner", "group", "mode"}
    unknown = sorted(set(entry) - fields)
    if unknown:
        raise ValueError("%s has unknown field(s) %s" % (where, ", ".join(unknown)))
    path = entry.get("path")
    if not isinstance(path, str) or not path.startswith("/") or path.rstrip("/") == "" or "/../" in path + "/":
        raise ValueError("%s.path must be an absolute path below / without '..', got %r" % (where, path))
    path = path.rstrip("/")
    content = entry.get("content")
    line, line_match, append = entry.get("line"), entry.get("line_match"), entry.get("append")
    state = entry.get("state") or ("file" if content is not None or line_match is not None else None)
    if line is not None or line_match is not None or append is not None:
        _check_line(where, state, content, line, line_match, append)
    if state not in FILE_SET_STATES:
        raise ValueError("%s.state must be one of %s, got %r" % (where, ", ".join(FILE_SET_STATES), state))
    if state == "file" and not isinstance(content, str) and line_match is None:
        raise ValueError("%s.content must be a string for a file, got %r" % (where, type(content).__name__))
    if state == "directory" and content is not None:
        raise ValueError("%s: a directory has no content" % where)
    if state == "absent":
        if content is not None:
            raise ValueError("%s: an absent file has no content" % where)
        return {"path": path, "state": state, "content": None, "owner": "root", "group": "root", "mode": None}
    names = {field: "root" if entry.get(field) is None else entry[field] for field in ("owner", "group")}
    for field, name in names.items():
        if not isinstance(name, str) or not name:
            raise ValueError("%s.%s must be a user or group name, got %r" % (where, field, name))
    checked = {"path": path, "state": state, "content": content, "owner": names["owner"], "group": names["group"],
               "mode": parse_mode(entry.get("mode"), where)}
    if line_match is not None:
        checked.update(line=line, line_match=line_match, append=True if append is None else append)
    return checked


def _check_line(where: str, state: object, content: object, line: object, line_match: object,
                append: object) -> None:
    """The line fields of one entry: a regular expression, an optional single line, and whether
    that line is added when no line matches."""
    if state != "file" or content is not None:
        raise ValueError("%s: line and line_match describe a file's lines, without content" % where)
    if not isinstance(line_match, str) or not line_match:
        raise ValueError("%s.line_match must be a regular expression (a string), got %r" % (where, line_match))
    try:
        re.compile(line_match)
    except re.error as exc:
        raise ValueError("%s.line_match is not a regular expression: %s" % (where, exc)) from exc
    if line is not None and (not isinstance(line, str) or "\n" in line or "\r" in line):
        raise ValueError("%s.line must be one line of text, got %r" % (where, line))
    if append is not None and not isinstance(append, bool):
        raise ValueError("%s.append must be true or false, got %r" % (where, append))


def with_line(current: str | None, line: str | None, line_match: str, append: bool = True) -> str | None:
    """A file's text with its lines that match ``line_match`` (``re.search``) replaced by ``line``,
    in the place of the first one, the others dropped; ``line`` is appended when none matched (and
    ``append``) and left out when None (remove only). Every other line is kept as it is. None: the
    file is missing and there is nothing to add, so nothing is written."""
    if current is None and (line is None or not append):
        return None
    pattern, lines, placed = re.compile(line_match), [], line is None
    for text in (current or "").splitlines():
        if not pattern.search(text):
            lines.append(text)
        elif not placed:
            lines.append(line)
            placed = True
    if not placed:
        if not append:  # nothing matched, nothing to add: the file as it is, byte for byte
            return current
        lines.append(line)
    return "".join(text + "\n" for text in lines)


def resolve_lines(entry: dict) -> dict | None:
    """A checked entry with line fields turned into a whole-content entry from the file on disk
    (a missing file counts as empty); None when nothing is to be written (see ``with_line``).
    Other entries are returned as they are."""
    if "line_match" not in entry:
        return entry
    current = None
    if os.path.isfile(entry["path"]):
        with open(entry["path"], encoding="utf-8") as handle:  # not UTF-8: UnicodeDecodeError
            current = handle.read()
    content = with_line(current, entry["line"], entry["line_match"], entry.get("append", True))
    if content is None:
        return None
    resolved = {key: value for key, value in entry.items() if key not in ("line", "line_match", "append")}
    resolved["content"] = content
    return resolved


def differences(entry: dict, uid: int | None, gid: int | None) -> list:
    """What differs between ``entry`` and the disk: [] or some of create, type, content, owner,
    group, mode; ["remove"] for a path that should be absent and is there. ``uid``/``gid`` None: the user or group does not exist yet (check mode on a new
    host): counted as an owner/group difference."""
    path = entry["path"]
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return [] if entry["state"] == "absent" else ["create"]
    if entry["state"] == "absent":
        return ["remove"]
    is_dir = stat.S_ISDIR(info.st_mode)
    if is_dir != (entry["state"] == "directory") or (not is_dir and not stat.S_ISREG(info.st_mode)):
        return ["type"]
    found = []
    if entry["state"] == "file":
        with open(path, "rb") as handle:
            if handle.read() != entry["content"].encode("utf-8"):
                found.append("content")
    if uid is None or info.st_uid != uid:
        found.append("owner")
    if gid is None or info.st_gid != gid:
        found.append("group")
    if stat.S_IMODE(info.st_mode) != entry["mode"]:
        found.append("mode")
    return found


def apply_entry(entry: dict, uid: int, gid: int) -> None:
    """Make the disk match ``entry``: a missing directory (and missing parents, root 0755) is
    created; a file's new content goes to a temporary file in the same directory that has its
    mode and owner before a byte is written, then is renamed over the old one (no reader ever
    sees half a file, a secret is never readable by others); owner and mode are then set."""
    path = entry["path"]
    if entry["state"] == "absent":
        # A file or a link, never a directory: os.unlink refuses one (IsADirectoryError), and
        # nothing a user had below it is removed.
        if os.path.isdir(path) and not os.path.islink(path):
            raise IsADirectoryError("%s is a directory; file_set removes files only" % path)
        os.unlink(path)
        return
    if entry["state"] == "directory":
        if not os.path.isdir(path):
            os.makedirs(path, mode=0o755, exist_ok=True)
    else:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            raise FileNotFoundError("directory %s does not exist (listed before %s?)" % (directory, path))
        data = entry["content"].encode("utf-8")
        current = None
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                current = handle.read()
        if current != data:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".")
            try:
                os.fchmod(fd, entry["mode"])
                os.fchown(fd, uid, gid)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, entry["mode"])


def paths_module(argument_spec: dict, **kwargs):
    """An AnsibleModule for a module with a ``paths`` option whose argument errors are all said.
    ansible-core fails with the first one only, and for a list of dicts given a string or a list of
    strings that is "dictionary requested, could not parse JSON or key=value", which does not name
    the option (the error after it does: "value of 'paths' must be of type dict ...")."""
    from ansible.module_utils.basic import AnsibleModule  # pylint: disable=import-outside-toplevel

    class _Module(AnsibleModule):
        def fail_json(self, msg, **kw):  # pylint: disable=arguments-differ
            result = getattr(self, "validation_result", None)
            if result is not None and len(result.error_messages) > 1 and msg == result.errors.msg:
                said = list(dict.fromkeys(result.error_messages))
                # the bare message is repeated inside the one that names the option: that one only
                msg = "; ".join(text for text in said if not any(text != other and text in other for other in said))
            super().fail_json(msg=msg, **kw)

    return _Module(argument_spec=argument_spec, **kwargs)


def _id(lookup, name: str):
    """A user or group id from a name, or from digits (an id without a name on this host)."""
    if name.isdigit():
        return int(name)
    try:
        return lookup(name)[2]
    except KeyError:
        return None


def apply_paths(module, paths: list) -> dict:
    """Make every entry of a ``paths`` option (PATHS_SPEC) so, in order, in check mode only say
    what would change. Returns ``changed_paths``, ``changes`` (per path, what differed) and
    ``diff`` (a list, one entry per changed path). A bad entry fails the module before anything is
    written; a failure on the way fails it naming the path and what was changed until then."""
    try:
        entries = [check_entry(entry, index) for index, entry in enumerate(paths)]
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    changes, diffs = {}, []
    for entry in entries:
        try:
            entry = resolve_lines(entry)
        except (OSError, UnicodeDecodeError) as exc:
            module.fail_json(msg="%s: %s" % (entry["path"], exc), changed_paths=list(changes), changes=changes)
        if entry is None:  # only lines to remove, from a file that is not there
            continue
        uid, gid = _id(pwd.getpwnam, entry["owner"]), _id(grp.getgrnam, entry["group"])
        if not module.check_mode:
            missing = [what for what, value in (("user", uid), ("group", gid)) if value is None]
            if missing:
                module.fail_json(msg="%s: no %s named %s on this host" % (
                    entry["path"], missing[0], entry["owner"] if missing[0] == "user" else entry["group"]),
                    changed_paths=list(changes), changes=changes)
        found = differences(entry, uid, gid)
        if not found:
            continue
        changes[entry["path"]] = found
        if entry["state"] == "file" and ("content" in found or "create" in found):
            before = ""
            if "content" in found:
                with open(entry["path"], encoding="utf-8", errors="replace") as handle:
                    before = handle.read()
            diffs.append({"before_header": entry["path"], "after_header": entry["path"],
                          "before": before, "after": entry["content"]})
        else:
            diffs.append({"before_header": entry["path"], "after_header": entry["path"],
                          "before": "", "after": "%s: %s\n" % (entry["path"], ", ".join(found))})
        if not module.check_mode:
            try:
                apply_entry(entry, uid, gid)
            except OSError as exc:
                module.fail_json(msg="%s: %s" % (entry["path"], exc), changed_paths=list(changes), changes=changes)
    return {"changed_paths": list(changes), "changes": changes, "diff": diffs}
