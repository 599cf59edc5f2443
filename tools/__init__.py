"""Measurement tools: the benchmarks, the soak run and the naive baseline behind ``make bench``,
``make bench-archive``, ``make bench-load``, ``make bench-extraction``, ``make bench-copies``,
``make soak`` and ``make eval-external`` (its loop, the naive baseline and the count per failure
kind). Each module is run as ``python -m tools.<module>`` from the checkout (``--help`` lists its
options). This folder is not part of the product: it is not in the wheel, it may import
``assistant`` and ``vectorstore``, and they never import it.
"""
