"""Lists every function over the line limit and every module over the module limit; exit 1 if any.

Why: a function longer than a screen and a module longer than a few hundred lines are where the
rooms of the house blur (issue 10). The limits and the roots are in pyproject.toml::

    [tool.fallwerk.sizes]
    roots = ["casework"]      # packages or files to check, relative to the repository
    max_function_lines = 50   # from the ``def`` line to the function's last line
    max_module_lines = 500

Usage: ``python tools/check_sizes.py [ROOT ...]`` (arguments replace the configured roots).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def settings() -> tuple[list[str], int, int]:
    """(roots, function limit, module limit) from pyproject.toml."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    found = data.get("tool", {}).get("fallwerk", {}).get("sizes", {})
    return (
        [str(r) for r in found.get("roots", ["casework"])],
        int(found.get("max_function_lines", 50)),
        int(found.get("max_module_lines", 500)),
    )


def python_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
    else:
        yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def offenders(path: Path, max_function: int, max_module: int) -> Iterator[str]:
    source = path.read_text(encoding="utf-8")
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    lines = len(source.splitlines())
    if lines > max_module:
        yield f"{name}: module has {lines} lines (limit {max_module})"
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > max_function:
                yield f"{name}:{node.lineno}: function {node.name} has {length} lines (limit {max_function})"


def main(argv: list[str]) -> int:
    configured, max_function, max_module = settings()
    roots = argv or configured
    found = [
        line
        for root in roots
        for path in python_files(REPO / root)
        for line in offenders(path, max_function, max_module)
    ]
    for line in found:
        print(line)
    print(f"check_sizes: {len(found)} over the limits in {', '.join(roots)}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
