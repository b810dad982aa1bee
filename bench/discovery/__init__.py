"""The discovery benchmark (docs: bench/README.md; spec: BENCH.md).

- ``generate``: an AO3-shaped archive from a fixed seed per size, as NumPy
  arrays and strings (no database).
- ``load``: writes it straight into the tables (SQLite ``executemany``,
  PostgreSQL ``COPY``), then builds the search index.
- ``baseline_pg``: the same data as one PostgreSQL table with GIN-indexed tag
  arrays and full text, answering the same ``WorkQuery``s the way a typical
  Django site would.
- ``run``: times queries 1-5 and 8 on both sides and prints the ratios.

The entry point is ``bench/discovery_bench.py``.
"""
