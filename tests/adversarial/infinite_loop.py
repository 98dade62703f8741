"""An infinite loop inside the graded function.

target: q5-one_hot
zero: q5-tests
"""


def one_hot(labels, num_classes):
    while True:
        pass
