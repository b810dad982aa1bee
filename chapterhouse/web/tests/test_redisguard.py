"""A Redis that does not answer costs one attempt per back-off, and is tried
again after it (web/redisguard.py, docs/outages.md)."""

import contextlib
import socket
import threading

import pytest

from chapterhouse.web.redisguard import ResilientRedisCache, redis_state, redis_status


class DeadRedis:
    """A port that accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@pytest.fixture
def dead_redis(settings):
    server = DeadRedis()
    settings.REDIS_RETRY_SECONDS = 600
    settings.REDIS_URL = f"redis://127.0.0.1:{server.port}/0"
    redis_state.reset()
    yield server
    server.close()
    redis_state.reset()


def test_a_dead_redis_is_tried_once_per_back_off_and_then_again(dead_redis):
    cache = ResilientRedisCache(f"redis://127.0.0.1:{dead_redis.port}/0", {})
    for n in range(20):
        assert cache.get(f"key{n}", "missing") == "missing"
        cache.set(f"key{n}", n)
        cache.delete(f"key{n}")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert dead_redis.accepted == 1  # one failed call, then the back-off
    assert redis_status() == "down"
    assert dead_redis.accepted == 1

    redis_state.reset()  # the back-off is over
    assert cache.get("key0") is None
    assert dead_redis.accepted == 2  # tried again, not marked down for good
