"""A module that defines no learner at all."""

CONSTANT = 1


def helper(x, y):
    return x + y
