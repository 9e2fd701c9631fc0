"""Property tests of propagation against a brute-force reference of SPEC §3."""
