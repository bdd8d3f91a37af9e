"""Numba kernels of the order book, by concern: bundles, heap, queues, matching, maker, run."""
