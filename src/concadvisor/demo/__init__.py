"""``concadvisor demo``: the guidance, measured on this machine with canonical workloads."""
