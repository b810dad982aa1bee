"""The ``replica`` database's backend: PostgreSQL's, falling back to the
primary when the replica does not answer (``base.py``, docs/replicas.md)."""
