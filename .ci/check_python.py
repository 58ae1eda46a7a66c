"""Tell `make setup` whether a Python can run cnnviz: exit 0 if so, else one line and exit 1.

    python .ci/check_python.py                  # is this Python in requires-python?
    python .ci/check_python.py --oldest         # ...and the oldest it admits? (for CI)
    .venv/bin/python .ci/check_python.py --venv [--same-as VERSION]

The first form checks the interpreter against `requires-python` in pyproject.toml, and names
the versions it needs when it is outside them. `--oldest` also asks for its floor exactly: CI
tests the lock there. The last form checks a virtual environment before
it is reused: its Python must still run and be in range, pip must be there (a venv whose
creation failed half-way has none), and, with `--same-as`, its `sys.version` must be the one
given, i.e. it was made by the Python that `make setup` was asked to use.

Written for any Python from 3.6 on, even one far too old for cnnviz, so that it can say so.
"""

import os
import re
import sys

PYPROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pyproject.toml")
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|<|>)\s*([0-9.]+)\s*$")


def requires_python():
    with open(PYPROJECT) as file:
        found = re.search(r'^requires-python\s*=\s*"([^"]+)"', file.read(), re.M)
    return found.group(1)


def admits(spec, version):
    for clause in spec.split(","):
        operator, bound = _CLAUSE.match(clause).groups()
        bound = tuple(int(part) for part in bound.split("."))
        mine = tuple(version[: len(bound)])
        if not {
            ">=": mine >= bound,
            "<=": mine <= bound,
            "==": mine == bound,
            "!=": mine != bound,
            "<": mine < bound,
            ">": mine > bound,
        }[operator]:
            return False
    return True


def main(args):
    spec, version = requires_python(), tuple(sys.version_info[:3])
    where = f"Python {'.'.join(map(str, version))} ({sys.executable})"
    if not admits(spec, version):
        return (
            f"{where} is outside requires-python {spec}; run `make setup PYTHON=...` with one "
            "in it, e.g. Debian 12's /usr/bin/python3"
        )
    floor = _CLAUSE.match([c for c in spec.split(",") if ">=" in c][0]).group(2)
    if "--oldest" in args and ".".join(map(str, version)) != floor:
        return f"{where} is not {floor}, the oldest Python that requires-python admits"
    if "--venv" in args:
        try:
            import pip  # noqa: F401
        except ImportError:
            return f"the venv's {where} has no pip: its set-up failed half-way"
    if "--same-as" in args and args[args.index("--same-as") + 1] != sys.version:
        return f"the venv's {where} is not the Python asked for"
    return None


if __name__ == "__main__":
    problem = main(sys.argv[1:])
    if problem:
        print("make setup: " + problem, file=sys.stderr)
        sys.exit(1)
