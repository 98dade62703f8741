"""Per-kernel control groups (Linux, when the grader may write /sys/fs/cgroup).

Resource limits per process (rlimits) cannot stop a fork bomb from starving the kernel of
another student graded at the same time. A control group per kernel can: it caps the
number of processes and the memory of the whole kernel tree, gives every kernel the same
CPU share however many processes it starts, and lets the grader kill everything the
kernel left behind. cgroup v1 (one folder per controller) and v2 (one unified folder) are
both handled; where neither is writable, nothing is created and the rlimits remain.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from autograder.sandbox import run

ROOT = Path("/sys/fs/cgroup")


def _v2() -> bool:
    return (ROOT / "cgroup.controllers").is_file()


def create(name: str, *, pids: int, memory_bytes: int) -> list[str]:
    """Create the kernel's cgroups with limits; returns their folders (maybe none)."""
    if os.geteuid() != 0 or not ROOT.is_dir():
        return []
    folders: list[str] = []
    try:
        if _v2():
            folder = ROOT / name
            folder.mkdir()
            folders.append(str(folder))
            limits = {"pids.max": pids, "memory.max": memory_bytes, "cpu.weight": 100}
        else:
            limits = {}
            for controller, key, value in (("pids", "pids.max", pids),
                                           ("memory", "memory.limit_in_bytes", memory_bytes),
                                           ("cpu", "cpu.shares", 1024)):
                folder = ROOT / controller / name
                if (ROOT / controller).is_dir():
                    folder.mkdir()
                    folders.append(str(folder))
                    limits[f"{controller}/{key}"] = value
        for key, value in limits.items():
            target = (ROOT / key.split("/")[0] / name / key.split("/")[1]) if "/" in key \
                else ROOT / name / key
            with contextlib.suppress(OSError):
                target.write_text(str(value))
    except OSError:
        destroy(folders)
        return []
    return folders


def destroy(folders: list[str]) -> None:
    """Kill whatever still runs in the kernel's cgroups, then remove them."""
    for folder in folders:
        procs = Path(folder) / "cgroup.procs"
        # A killed kernel is usually gone within a millisecond or two: wait a little, then
        # longer, up to about 2.5 s in all, instead of 50 ms after every kill.
        for pause in (0.001, 0.002, 0.005, 0.01, 0.02, *[0.05] * 49):
            try:
                pids = [int(p) for p in procs.read_text().split()]
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(pause)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def groups(run_id: str = run.RUN) -> list[Path]:
    """The kernel cgroups of grading run ``run_id`` (every controller)."""
    return [folder for folder in [*ROOT.glob(f"*/{run.PREFIX}*"), *ROOT.glob(f"{run.PREFIX}*")]
            if run.matches(folder.name, run_id)]


def sweep(run_id: str = run.RUN) -> None:
    """Kill and remove the kernel cgroups of ``run_id`` (those of workers killed at their
    time limit), and remove empty ones left by runs whose process has exited. Other
    graders' groups on the same machine are never touched."""
    destroy([str(folder) for folder in groups(run_id)])
    for folder in [*ROOT.glob(f"*/{run.PREFIX}*"), *ROOT.glob(f"{run.PREFIX}*")]:
        if run.is_stale(folder.name):
            with contextlib.suppress(OSError):
                if not (folder / "cgroup.procs").read_text().strip():
                    os.rmdir(folder)


def kill_strays(folders: list[str], keep: set[int]) -> int:
    """Kill every process in the kernel's cgroups but ``keep``; returns how many."""
    killed = 0
    for folder in folders[:1]:  # every controller's group holds the same processes
        try:
            pids = {int(p) for p in (Path(folder) / "cgroup.procs").read_text().split()}
        except OSError:
            continue
        for pid in pids - keep:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
    return killed


def parent_of(pid: int) -> int | None:
    """The parent of ``pid`` (from /proc), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])
