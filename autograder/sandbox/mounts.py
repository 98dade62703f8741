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
import errno
import glob
import os
import re
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


def enter(mounts: list[Mount], uid: int, *, sealed: bool = False) -> None:
    """Carry out the plan in a private mount namespace (the launcher is root); the kernel's
    files are given to ``uid``. ``sealed``: what bubblewrap does for a cold kernel, done
    here for a warm one (:mod:`autograder.sandbox.factory`): every mount but ``/tmp`` made
    read-only, and ``/dev`` replaced by a minimal one of the kernel's own."""
    _check(_libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    # Opened in the new namespace (a mount of another one cannot be bound) and before any
    # tmpfs hides them.
    sources = {m.source: _open(m.source, os.O_RDONLY if m.kind == "file" else os.O_PATH)
               for m in mounts if m.source}
    devices = {name: _open(f"/dev/{name}") for name in _device_names()} if sealed else {}
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
    if sealed:
        _seal(writable="/tmp")
        _minimal_dev(devices, uid, size=next(m.size for m in mounts if m.dest == "/tmp"))


#: Device nodes of a minimal /dev (bubblewrap's ``--dev``); GPUs are added where present.
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
_ST_TO_MS = {os.ST_NOSUID: _MS_NOSUID, os.ST_NODEV: _MS_NODEV, os.ST_NOEXEC: 8,
             os.ST_NOATIME: 1024, os.ST_NODIRATIME: 2048, os.ST_RELATIME: 1 << 21}


def _device_names() -> list[str]:
    gpus = sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*"))
    return [name for name in [*DEVICES, *(os.path.relpath(g, "/dev") for g in gpus)]
            if os.path.exists(f"/dev/{name}")]


def _mount_points() -> list[str]:
    """Every mount point of this namespace (decoded from /proc/self/mountinfo)."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4])
        if point not in points:
            points.append(point)
    return points


def _seal(writable: str) -> None:
    """Make every mount read-only but ``writable`` and what lies below it (a bind remount
    changes this namespace's view only, never the filesystem); /proc and /dev are replaced
    afterwards. A mount point hidden by the plan (no longer a path here) is skipped."""
    for point in _mount_points():
        if any(point == top or point.startswith(top + "/") for top in (writable, "/proc", "/dev")):
            continue
        try:
            current = os.statvfs(point).f_flag
        except OSError:
            continue
        flags = sum(ms for st, ms in _ST_TO_MS.items() if current & st)
        try:
            _mount(None, point, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | flags)
        except OSError as error:
            if error.errno not in (errno.EINVAL, errno.ENOENT):  # not a mount point here
                raise


def _minimal_dev(devices: dict[str, int], uid: int, size: int) -> None:
    """A /dev of the kernel's own, like bubblewrap's: a small tmpfs the kernel may write
    (``/dev/shm``), the harmless devices and the GPUs bound from the host, a private
    pseudo-terminal instance and the usual links into /proc."""
    _mount("tmpfs", "/dev", "tmpfs", _MS_NOSUID | _MS_NODEV | 8,
           f"mode=755,uid={uid},gid={uid},size={size}")
    for name, fd in devices.items():
        target = os.path.join("/dev", name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if stat.S_ISDIR(os.stat(fd).st_mode):
            os.mkdir(target)
        else:
            open(target, "w").close()
        _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND)
        os.close(fd)
    os.mkdir("/dev/shm")
    os.chown("/dev/shm", uid, uid)
    os.mkdir("/dev/pts")
    _mount("devpts", "/dev/pts", "devpts", _MS_NOSUID | 8, "newinstance,ptmxmode=0666,mode=620")
    for link, target in (("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("core", "/proc/kcore"),
                         ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, os.path.join("/dev", link))


def mount_proc() -> None:
    """A /proc of this process's PID namespace (called by the namespace's first process)."""
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | 8)


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
