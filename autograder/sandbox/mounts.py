"""What a graded kernel sees of the grader's filesystem, as one plan of mounts.

The plan is made by the launcher while it is still root (or the grader's own user), before
it drops to the kernel's uid:

* ``/tmp`` is a private tmpfs of ``disk_bytes``: the kernel's quota. Its working folder
  ``/tmp/work`` lives there, holding copies of the notebook folder's regular files (symbolic
  links are never followed), so nothing the kernel writes reaches the grader's disk;
* a folder on the way to the Python installation that other users cannot enter (a pyenv or
  conda Python under root's home, mode 0700) is replaced by an empty tmpfs and the
  installation alone is mounted back read-only: the kernel, which never runs as the host's
  root, can start Python and sees nothing else of that folder;
* the course root and the package's checkout are hidden behind empty tmpfs, with only
  ``lib/`` and the environment mounted back read-only;
* the private folder holding the kernel's sockets is mounted back read-write.

A root launcher carries the plan out itself in a private mount namespace (:func:`enter`),
binding every source from a file descriptor opened there, so a path the kernel's uid may
not traverse is still mounted; it then drops to the kernel's uid and starts bubblewrap
(namespaces, capabilities) or, where bubblewrap does not work, the kernel itself. An
unprivileged grader has bubblewrap make the mounts (:func:`bwrap_args`).
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WORKDIR = "/tmp/work"
#: Regular files copied into the kernel's working folder at most (a larger folder is not a
#: submission folder: something is misconfigured).
MAX_FILES = 2000

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18


@dataclass
class Mount:
    kind: str          # tmpfs | ro-bind | bind | dir | file
    dest: str
    source: str = ""   # ro-bind, bind, file: the host path
    size: int = 0      # tmpfs: bytes (0: the kernel's default)
    mode: int = 0o755  # tmpfs


def _open(path: str, flags: int = os.O_PATH) -> int:
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC)
    os.set_inheritable(fd, True)  # bubblewrap reads it after exec
    return fd


def closed_ancestor(path: str) -> str | None:
    """The outermost folder above ``path`` that other users cannot enter, if any."""
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        folder = os.path.join(*parts[:depth])
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def _regular_files(folder: str) -> list[str]:
    """Paths (relative) of the regular files under ``folder``; links are never followed."""
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(top, d))]
        for name in files:
            path = os.path.join(top, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                found.append(os.path.relpath(path, folder))
    if len(found) > MAX_FILES:
        raise RuntimeError(f"refusing to copy {folder} for a kernel: it holds more than "
                           f"{MAX_FILES} files, it is not a submission folder")
    return sorted(found)


def plan(*, source: str, hide: list[str], expose: list[str], reachable: list[str],
         writable: list[str], disk_bytes: int) -> list[Mount]:
    """The mounts of one kernel; see the module's docstring."""
    mounts = [Mount("tmpfs", "/tmp", size=disk_bytes, mode=0o1777)]
    veils = sorted({v for v in map(closed_ancestor, reachable + expose) if v is not None})
    mounts += [Mount("tmpfs", path) for path in veils + hide if os.path.isdir(path)]
    hidden = ["/tmp", *veils, *hide]
    back = [path for path in dict.fromkeys(reachable + expose) if os.path.isdir(path) and (
        path in expose or any(path.startswith(folder + os.sep) for folder in hidden))]
    mounts += [Mount("ro-bind", path, path) for path in back]
    # A hidden folder inside an exposed one (the installed autograder package, hidden tests
    # included, inside the environment's site-packages) is hidden again over the bind.
    mounts += [Mount("tmpfs", path) for path in hide if os.path.isdir(path) and any(
        path.startswith(folder + os.sep) for folder in back)]
    mounts += [Mount("bind", path, path) for path in writable]
    mounts.append(Mount("dir", WORKDIR))
    for relative in _regular_files(source):
        folder = os.path.dirname(os.path.join(WORKDIR, relative))
        if folder != WORKDIR:
            mounts.append(Mount("dir", folder))
        mounts.append(Mount("file", os.path.join(WORKDIR, relative),
                            os.path.join(source, relative)))
    return mounts


def bwrap_args(mounts: list[Mount]) -> list[str]:
    """The plan as bubblewrap arguments (after ``--ro-bind / /``)."""
    args: list[str] = []
    for m in mounts:
        if m.kind == "tmpfs":
            args += [*(["--size", str(m.size)] if m.size else []), "--perms", f"{m.mode:o}",
                     "--tmpfs", m.dest]
        elif m.kind in ("ro-bind", "bind"):
            args += [f"--{m.kind}", m.source, m.dest]
        elif m.kind == "dir":
            args += ["--dir", m.dest]
        else:
            args += ["--perms", "644", "--file", str(_open(m.source, os.O_RDONLY)), m.dest]
    return args


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    args = [s.encode() if s is not None else None for s in (source, target, fstype)]
    _check(_libc().mount(*args, flags, data.encode() if data else None), f"mount {target}")


def enter(mounts: list[Mount], uid: int) -> None:
    """Carry out the plan in a private mount namespace (the launcher is root); the kernel's
    files are given to ``uid``."""
    _check(_libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    # Opened in the new namespace (a mount of another one cannot be bound) and before any
    # tmpfs hides them.
    sources = {m.source: _open(m.source, os.O_RDONLY if m.kind == "file" else os.O_PATH)
               for m in mounts if m.source}
    for m in mounts:
        if m.kind == "file":
            with open(sources[m.source], "rb", closefd=False) as src, \
                    open(m.dest, "wb") as dst:
                dst.write(src.read())
            os.chown(m.dest, uid, uid)
            continue
        os.makedirs(m.dest, exist_ok=True)
        if m.kind == "tmpfs":
            size = f",size={m.size}" if m.size else ""
            _mount("tmpfs", m.dest, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={m.mode:o}{size}")
        elif m.kind == "dir":
            os.chown(m.dest, uid, uid)
        else:
            _mount(f"/proc/self/fd/{sources[m.source]}", m.dest, None, _MS_BIND | _MS_REC)
            if m.kind == "ro-bind":
                _mount(None, m.dest, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID)
    for fd in sources.values():
        os.close(fd)


def can_enter() -> bool:
    """Whether a root launcher may make a private mount namespace here (not in a container
    that forbids it); tried in a fresh interpreter, as the launcher will."""
    if os.geteuid() != 0:
        return False
    probe = ("import ctypes, sys; "
             f"sys.exit(ctypes.CDLL(None, use_errno=True).unshare({_CLONE_NEWNS}) != 0)")
    try:
        return subprocess.run([sys.executable, "-c", probe], timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
