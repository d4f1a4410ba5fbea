"""libFuzzer (atheris) over one target of ``tools.fuzz``; started by
``python -m tools.fuzz TARGET --atheris``, with the seed corpus folder as argument."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from tools import fuzz


def main() -> None:
    target = sys.argv.pop(1)
    atheris.Setup(sys.argv, lambda data: fuzz.run(target, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
