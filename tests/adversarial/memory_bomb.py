"""Allocate memory without bound when the function is called.

target: q3-empirical_risk
zero: q3-risk-tests
"""


def empirical_risk(Phi, y, w):
    hog = []
    while True:
        hog.append(bytearray(256 * 1024 * 1024))
