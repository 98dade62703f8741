"""Write a file as large as the disk allows.

target: q2-gaussian_design
zero: q2-gaussian-tests
"""


def gaussian_design(x, centers, s):
    with open("huge.bin", "wb") as handle:
        chunk = b"\0" * (64 * 1024 * 1024)
        for _ in range(10_000):
            handle.write(chunk)
    return np.zeros(1)
