"""A module with a syntax error: lint reports it instead of analysing it."""


def run(:
    pass
