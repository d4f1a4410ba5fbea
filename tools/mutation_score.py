"""The mutation score per module, from what ``mutmut run`` left in ``mutants/``.

    python -m tools.mutation_score               # one line per module, then the total
    python -m tools.mutation_score --survivors   # also every surviving mutant's name

Killed counts mutants a test failed on, ran into a time-out with, or crashed. The score is
killed / (killed + survived + no tests); mutants not (yet) checked are listed apart, so a
time-boxed run says what it did not reach. Reads mutmut's own result files
(``<module>.py.meta``, JSON) and needs no mutmut installed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"

# mutmut's exit codes per mutant (mutmut/stats.py), grouped the way the score needs them.
_KILLED = {1, 3, 24, -24, 36, 37, 152, 255, -9, -11}
_SURVIVED = {0}
_NO_TESTS = {5, 33}
_SKIPPED = {34}


@dataclass
class ModuleResult:
    module: str
    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        judged = self.counts["killed"] + self.counts["survived"] + self.counts["no tests"]
        return None if judged == 0 else self.counts["killed"] / judged


def outcome(exit_code: int | None) -> str:
    if exit_code is None:
        return "not checked"
    if exit_code in _KILLED:
        return "killed"
    if exit_code in _SURVIVED:
        return "survived"
    if exit_code in _NO_TESTS:
        return "no tests"
    if exit_code in _SKIPPED:
        return "skipped"
    return "suspicious"


def results(mutants: Path = MUTANTS) -> list[ModuleResult]:
    found = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        relative = meta.relative_to(mutants).as_posix().removesuffix(".py.meta")
        result = ModuleResult(relative.replace("/", "."))
        exit_codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        for name, exit_code in sorted(exit_codes.items()):
            kind = outcome(exit_code)
            result.counts[kind] += 1
            if kind in ("survived", "no tests"):
                result.survivors.append(f"{name} ({kind})")
        found.append(result)
    return found


def _line(name: str, counts: Counter[str], score: float | None) -> str:
    shown = "   –  " if score is None else f"{score:6.1%}"
    return (
        f"{name:<42} {shown}  killed {counts['killed']:>4}  survived {counts['survived']:>3}"
        f"  no tests {counts['no tests']:>3}  not checked {counts['not checked']:>4}"
    )


def main() -> None:
    if not MUTANTS.is_dir():
        sys.exit("No mutants/ folder: run 'make mutants' first.")
    modules = results()
    total = ModuleResult("total")
    for module in modules:
        total.counts.update(module.counts)
        print(_line(module.module, module.counts, module.score))
    print(_line(total.module, total.counts, total.score))
    if "--survivors" in sys.argv[1:]:
        for module in modules:
            for survivor in module.survivors:
                print(survivor)


if __name__ == "__main__":
    main()
