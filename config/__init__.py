"""Default settings; every one can be overridden by an environment variable FALLWERK_<NAME>."""
