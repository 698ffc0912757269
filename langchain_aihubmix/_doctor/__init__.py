"""Private: the probes and wire capture behind the public doctor module."""
