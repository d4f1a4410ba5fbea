"""Hypothesis strategies for fuzzing readers: valid seeds mutated the ways files get
damaged (bytes flipped, cut, inserted, spliced from another seed), and raw bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tools import fuzz


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["flip", "cut", "insert", "delete", "splice"]))
        at = draw(st.integers(0, len(data)))
        if operation == "flip" and data:
            index = min(at, len(data) - 1)
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif operation == "cut":
            del data[at:]
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start : start + draw(st.integers(1, 256))]
    return bytes(data)


def inputs(target: str) -> st.SearchStrategy[bytes]:
    return mutated(fuzz.seeds(target)) | st.binary(max_size=2048)


def fuzz_with_hypothesis(target: str, examples: int) -> int:
    """Run ``target`` on ``examples`` generated inputs; returns how many ran."""
    count = 0

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs(target))
    def check(data: bytes) -> None:
        nonlocal count
        count += 1
        fuzz.run(target, data)

    check()
    return count
