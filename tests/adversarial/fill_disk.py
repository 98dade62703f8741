"""Fill the disk: its folder, /tmp and its sockets folder, in files under the size limit.

target: q1-fit_simple_linear
keep_reference: true
"""
import os
import sys

_folders = [".", "/tmp", os.path.dirname(sys.argv[sys.argv.index("-f") + 1])]
_written = 0
for _folder in _folders:
    for _i in range(8):
        try:
            with open(os.path.join(_folder, f"fill{_i}.bin"), "wb") as _handle:
                for _ in range(25):
                    _handle.write(b"\0" * (10 * 1024 * 1024))
                    _written += 10
        except OSError:
            break
print("wrote MiB:", _written)
