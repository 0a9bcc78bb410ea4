"""The render cache keeps generated filler bytes within its budget and never changes them."""

from __future__ import annotations

from sim.protocol.message import Filler, FillerKind, _RenderCache


def text(seed: int, size: int = 1000) -> Filler:
    return Filler(FillerKind.TEXT, size=size, seed=seed)


def test_cached_bytes_are_the_generated_bytes() -> None:
    cache = _RenderCache(budget=10_000, largest=5_000)
    first = cache.get(text(1))
    assert first == text(1)._generate()
    assert cache.get(text(1)) is first  # the second time it is not generated again


def test_the_oldest_go_first_and_the_budget_holds() -> None:
    cache = _RenderCache(budget=2_500, largest=5_000)
    for seed in range(5):
        cache.get(text(seed))
        assert cache.octets <= 2_500
    assert cache.octets == 2_000
    assert list(cache._data) == [text(3), text(4)]


def test_fillers_larger_than_largest_are_not_kept() -> None:
    cache = _RenderCache(budget=100_000, largest=1_000)
    big = Filler(FillerKind.BASE64, decoded_size=3_000, seed=9)
    assert cache.get(big) == big._generate()
    assert cache.octets == 0
