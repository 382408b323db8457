"""The README's Python example uses the package's real import paths and names."""

from __future__ import annotations

import ast
import re

from model.config.paths import REPO_ROOT


def python_example() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1, "README.md should hold exactly one Python example"
    return blocks[0]


def test_the_python_example_imports_what_it_uses() -> None:
    tree = ast.parse(python_example())
    namespace: dict[str, object] = {}
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert imports, "the example imports nothing"
    exec(compile(ast.Module(body=imports, type_ignores=[]), "README.md", "exec"), namespace)
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert called <= set(namespace), called - set(namespace)
    assert {"run_experiment", "load_results"} <= called


def test_the_example_uses_attributes_the_results_have() -> None:
    from model.experiments.results import ExperimentResult

    tree = ast.parse(python_example())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert used and used <= set(dir(ExperimentResult)), used - set(dir(ExperimentResult))
