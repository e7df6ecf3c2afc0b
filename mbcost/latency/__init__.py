"""Latency, not just MACs: a roofline per layer on a device profile (bytes moved, arithmetic intensity,
compute- or memory-bound, estimated time), the ridge-point sweep, and fitting a profile to measurements."""
