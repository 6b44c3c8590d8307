"""A module that cannot be imported (for the probe's target-error tests)."""

raise RuntimeError("this module refuses to be imported")
