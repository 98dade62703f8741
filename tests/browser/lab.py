"""A JupyterLab server for browser tests, started and stopped with Jupyter's own options.

The server listens on 127.0.0.1 on a port the OS picks (``--ServerApp.port=0``; the real
one is read back from the server's info file) with a known token. Its configuration,
data, runtime and IPython folders are private to the test, so nothing from the machine's
``~/.jupyter`` leaks in and no workspace outlives the server. Stopping asks the server to
shut down (``POST /api/shutdown``, which shuts its kernels down too) and then checks that
no process of it is left: a kernel that survives is killed by its id and reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

START_TIMEOUT = 120.0   # seconds; generous because 2 shared cores may be busy grading
STOP_TIMEOUT = 60.0


class LabServer:
    """``jupyter lab`` in ``root``; ``config_path`` joins Jupyter's config search path."""

    def __init__(self, root: Path, home: Path, config_path: Path | None = None) -> None:
        self.root = root
        self.home = home
        self.token = secrets.token_hex(16)
        self.runtime = home / "runtime"
        self.log_path = home / "server.log"
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.runtime),
                   IPYTHONDIR=str(home / "ipython"))
        # As in a student's shell: nothing the test process set (grading sets MPLBACKEND=Agg,
        # which would hide every inline plot) reaches the server and its kernels.
        for name in ("JUPYTER_CONFIG_PATH", "MPLBACKEND"):
            env.pop(name, None)
        if config_path is not None:
            env["JUPYTER_CONFIG_PATH"] = str(config_path)
        command = [sys.executable, "-m", "jupyterlab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={root}"]
        if os.name == "posix" and os.geteuid() == 0:
            command.append("--ServerApp.allow_root=True")  # CI runs as root
        _write_user_settings(home / "config" / "lab" / "user-settings")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=root, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.url = ""
        try:
            self.url = self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> str:
        info = self.runtime / f"jpserver-{self.process.pid}.json"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            if info.is_file():
                try:
                    url = json.loads(info.read_text())["url"].rstrip("/")
                    self._request("GET", f"{url}/api/status")
                    return url
                except (ValueError, KeyError, OSError):
                    pass  # the info file is half written, or the server not yet serving
            time.sleep(0.2)
        raise TimeoutError(f"jupyter lab not ready after {START_TIMEOUT:.0f} s:\n"
                           f"{self.log_tail()}")

    def _request(self, method: str, url: str, timeout: float = 10.0) -> bytes:
        request = urllib.request.Request(url, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()

    def get(self, path: str) -> str:
        """``GET`` of a server path, e.g. ``"api/status"``; raises ``HTTPError`` on 4xx/5xx."""
        return self._request("GET", f"{self.url}/{path}").decode()

    def page_url(self, path: str = "lab") -> str:
        """A page of the server, with the token that logs the browser in."""
        separator = "&" if "?" in path else "?"
        return f"{self.url}/{path}{separator}token={self.token}"

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.is_file():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _processes(self) -> list[psutil.Process]:
        """The server and every kernel it started (their connection files lie in runtime)."""
        found = []
        for process in psutil.process_iter(["pid", "cmdline"]):
            cmdline = process.info["cmdline"] or []
            if process.pid == self.process.pid or any(str(self.runtime) in a for a in cmdline):
                found.append(process)
        return found

    def stop(self) -> list[str]:
        """Shut the server and its kernels down; returns what had to be killed after that."""
        if self.process.poll() is None:
            try:
                self._request("POST", f"{self.url}/api/shutdown")
            except (OSError, ValueError):  # not serving (yet): it has no kernels to shut down
                self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT)
        leftovers = self._processes()
        for process in leftovers:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(leftovers, timeout=10)
        self.process.wait()
        return [" ".join(p.info["cmdline"] or [str(p.pid)]) for p in leftovers]


#: JupyterLab settings of the test's private user: no "Jupyter news?" toast over the page
#: (the network is closed anyway). Students keep JupyterLab's defaults.
USER_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                 {"fetchNews": "false", "checkForUpdates": False}}


def _write_user_settings(folder: Path) -> None:
    for name, values in USER_SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
