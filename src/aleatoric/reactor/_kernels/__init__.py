"""Compiled hot loops. Pure functions of arrays and scalars; no I/O, no Python objects."""
