"""Keep SQLite's WAL files while the site runs, so a full disk refuses only
writes (docs/outages.md, "The disk is full").

In WAL mode SQLite deletes ``…-wal`` and ``…-shm`` when the last connection
to the database closes, and the next connection creates them again. Django
closes the connection at the end of every request, so on a full disk the
next request could not even open the database to read ("disk I/O error"):
every page failed, not only writes. Each process therefore keeps one idle
connection of its own open (opened at its first database connection, one
read done so the WAL files are open), and the files stay as long as any of
the site's processes runs. It holds no transaction, so it never blocks a
checkpoint or a writer.
"""

from __future__ import annotations

import sqlite3
import threading

_kept: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()


def _on_disk(name) -> bool:
    name = str(name)
    return bool(name) and name != ":memory:" and "mode=memory" not in name \
        and not name.startswith("file:memorydb")


def keep_wal_files(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the first time this process connects
    to an SQLite file, open the keeping connection."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name in _kept or not _on_disk(name):
        return
    with _lock:
        if name in _kept:
            return
        try:
            keeper = sqlite3.connect(name, check_same_thread=False, timeout=20)
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            return  # the site's own connection reports what is wrong
        _kept[name] = keeper
