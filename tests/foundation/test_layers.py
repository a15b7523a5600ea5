"""The layers of pyproject.toml: the import contract names every app, and no SQL runs upward either.

`lint-imports` (in `make lint`) checks the Python imports; raw SQL naming a table is invisible to it, so
this test reads every string in each app's code for the tables of the apps above it.
"""

import ast
import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _layers() -> list[str]:
    config = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return list(reversed(contract["layers"]))  # bottom first


def _local_apps() -> set[str]:
    return {
        config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == BASE_DIR
    }


def test_the_layer_contract_names_every_app_of_the_project():
    assert set(_layers()) == _local_apps()
    assert _layers()[0] == "creditcontrol" and _layers()[-1] == "project"


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_sql_names_a_table_of_a_higher_layer():
    layers = _layers()
    tables = {
        model._meta.db_table: model._meta.app_label
        for model in apps.get_models()
        if model._meta.app_label in layers
    }
    upward = []
    for position, app in enumerate(layers):
        above = {table for table, owner in tables.items() if layers.index(owner) > position}
        if not above:
            continue
        pattern = re.compile(r"\b(" + "|".join(sorted(above, key=len, reverse=True)) + r")\b")
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, text in _strings(path):
                upward += [f"{path.relative_to(BASE_DIR)}:{line}: {m}" for m in pattern.findall(text)]
    assert upward == []
