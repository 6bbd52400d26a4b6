"""The code's shape (issue 19): outside tests, no function of 40 lines or more and none of
cyclomatic complexity 15 or more (radon's count), so that each reads as one step. Split by
meaning (one small rule or step function each), not by cutting lines."""
import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "gateway", "mooc_common", "scripts", "bench", "deploy")
MAX_LINES, MAX_COMPLEXITY = 40, 15


def sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" not in parts and not any(p.startswith(".") or p == "node_modules" for p in parts):
                yield path


def functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_the_scan_sees_the_services_and_the_gateway():
    names = {p.relative_to(ROOT).parts[0] for p in sources()}
    assert {"services", "gateway", "mooc_common"} <= names


@pytest.mark.parametrize("path", list(sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_is_long_or_complex(path):
    text = path.read_text(encoding="utf-8")
    long = [f"{f.name} ({f.end_lineno - f.lineno + 1} lines)" for f in functions(ast.parse(text))
            if f.end_lineno - f.lineno + 1 >= MAX_LINES]
    tangled = [f"{block.fullname} (complexity {block.complexity})" for block in cc_visit(text)
               if block.complexity >= MAX_COMPLEXITY and not hasattr(block, "methods")]
    assert not long + tangled, f"split by meaning: {long + tangled}"
