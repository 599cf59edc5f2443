"""The shared least-recently-used map (the embedder's question vectors, the store's articles)."""

from vectorstore.lru import Lru


def test_the_least_recently_used_goes_first_and_reads_count_as_use():
    cache: Lru[str, int] = Lru(2)
    cache.put_many([("a", 1), ("b", 2)])
    assert cache.get("a") == 1  # a used last
    cache.put("c", 3)  # b goes
    assert list(cache) == ["a", "c"] and cache.get("b") is None
    assert cache.get_many(["c", "x", "a"]) == {"c": 3, "a": 1} and list(cache) == ["c", "a"]
    cache.discard(["a", "x"])
    assert list(cache) == ["c"] and len(cache) == 1
    cache.clear()
    assert len(cache) == 0
