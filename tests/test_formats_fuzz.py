"""Every reader of outside input, fuzzed for a bounded number of examples: valid
synthetic exports mutated (bits flipped, cut, bytes inserted, deleted, spliced) and raw
bytes. Any exception other than the project's own ``RetentionError`` is a bug.

A longer run by hand, with counts printed: ``python -m tools.fuzz --runs 200000``, or
coverage-guided with atheris: ``python -m tools.fuzz zip --atheris``.
"""

from __future__ import annotations

import pytest

from tests.support.fuzzing import fuzz_with_hypothesis
from tools import fuzz

# Examples per target in the suite: enough to catch a regression, cheap enough to run
# on every change (the whole formats suite stays well under a minute).
EXAMPLES = {"file": 150}
DEFAULT_EXAMPLES = 250


@pytest.mark.parametrize("target", list(fuzz.TARGETS))
def test_only_the_projects_own_errors_come_out(target: str) -> None:
    examples = EXAMPLES.get(target, DEFAULT_EXAMPLES)
    assert fuzz_with_hypothesis(target, examples) >= examples // 2


@pytest.mark.parametrize("target", list(fuzz.TARGETS))
def test_every_seed_reads_without_error(target: str) -> None:
    # The seeds are valid exports: they must read cleanly, or mutating them tests
    # nothing beyond the first error.
    for seed in fuzz.seeds(target):
        fuzz.TARGETS[target](seed)
