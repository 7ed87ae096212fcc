"""Module boundaries, checked on the real import graph.

Rules: a context imports another context only through ``<ctx>.contracts``; the kernel imports no
context; ``<ctx>.module`` is imported only by the composition root; ``domain`` imports no I/O
library; every context has the same file set and a docstring-only ``__init__.py``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).parents[1] / "src" / "stampede"
FILE_SET = {
    "__init__.py",
    "contracts.py",
    "handlers.py",
    "store.py",
    "views.py",
    "api.py",
    "module.py",
}
COMPOSITION = {"stampede.compose", "stampede.launch", "stampede.cli", "stampede.__main__"}
IO_LIBRARIES = {"sqlalchemy", "fastapi", "starlette", "httpx", "redis", "aio_pika", "asyncpg"}


def contexts_in(root: Path) -> list[str]:
    return sorted(p.parent.name for p in root.glob("*/module.py") if p.parent.name != "kernel")


def context_of(module: str, contexts: Iterable[str]) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in contexts else None


def violations(edges: Iterable[tuple[str, str]], contexts: list[str]) -> list[str]:
    """Every import edge that breaks a boundary rule, as readable lines."""
    found = []
    for importer, imported in edges:
        mine, theirs = context_of(importer, contexts), context_of(imported, contexts)
        if theirs and mine != theirs and not _allowed(importer, imported, theirs):
            found.append(f"{importer} -> {imported}")
        if importer.startswith("stampede.kernel") and (theirs or imported in COMPOSITION):
            found.append(f"kernel must not import {imported} (from {importer})")
    return found


def _allowed(importer: str, imported: str, theirs: str) -> bool:
    if imported == f"stampede.{theirs}.contracts":
        return True
    in_root = importer in COMPOSITION
    return in_root and imported in (f"stampede.{theirs}.module", f"stampede.{theirs}")


def graph_edges(package: str) -> list[tuple[str, str]]:
    graph = grimp.build_graph(package, include_external_packages=True)
    return [(a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)]


def test_only_contracts_cross_context_boundaries() -> None:
    assert violations(graph_edges("stampede"), contexts_in(ROOT)) == []


def test_domain_imports_no_io_library() -> None:
    for importer, imported in graph_edges("stampede"):
        if ".domain" in importer:
            assert imported.split(".")[0] not in IO_LIBRARIES, f"{importer} -> {imported}"


def test_module_registration_is_imported_only_by_the_composition_root() -> None:
    for importer, imported in graph_edges("stampede"):
        if imported.endswith(".module") and imported != "stampede.kernel.module":
            assert importer in COMPOSITION, f"{importer} -> {imported}"


@pytest.mark.parametrize("context", contexts_in(ROOT))
def test_every_context_has_the_file_set_and_a_docstring_only_init(context: str) -> None:
    folder = ROOT / context
    present = {p.name for p in folder.glob("*.py")} | {
        p.name + ".py" for p in folder.iterdir() if (p / "__init__.py").exists()
    }
    assert present >= FILE_SET | {"domain.py"}, sorted(FILE_SET | {"domain.py"} - present)
    body = ast.parse((folder / "__init__.py").read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr), "__init__.py holds only a docstring"


def test_the_check_catches_a_context_reaching_into_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "fakeco"
    (pkg / "kernel").mkdir(parents=True)
    (pkg / "kernel" / "__init__.py").write_text("")
    for ctx, body in {"alpha": "from fakeco.beta import store\n", "beta": ""}.items():
        (pkg / ctx).mkdir(parents=True)
        (pkg / ctx / "__init__.py").write_text("")
        (pkg / ctx / "module.py").write_text("")
        (pkg / ctx / "store.py").write_text(body)
        (pkg / ctx / "contracts.py").write_text("")
        (pkg / ctx / "handlers.py").write_text("from fakeco.beta import contracts\n")
    (pkg / "__init__.py").write_text("")
    (pkg / "kernel" / "bad.py").write_text("import fakeco.alpha.contracts\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    edges = [
        (a.replace("fakeco", "stampede"), b.replace("fakeco", "stampede"))
        for a, b in graph_edges("fakeco")
    ]
    found = violations(edges, ["alpha", "beta"])
    sys.modules.pop("fakeco", None)
    assert "stampede.alpha.store -> stampede.beta.store" in found
    assert any(line.startswith("kernel must not import stampede.alpha.contracts") for line in found)
    assert not any("handlers" in line for line in found)
