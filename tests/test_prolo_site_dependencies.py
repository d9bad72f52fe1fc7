"""Dependencies run one way: a module an app imports never imports an app.

Read statically from the import statements (function-level ones included), so
the rule holds for code paths no other test happens to run.
"""

import ast
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
APPS = ("articles", "appointments")
CORE_PACKAGE = "prolo_site"
# The project's wiring: the only prolo_site modules that may import the apps, and
# which no app may import.
WIRING = {"prolo_site.settings", "prolo_site.urls", "prolo_site.views", "prolo_site.wsgi"}


def module_path(root, name):
    """The file of module `name` under `root`, or None if it is not one of ours."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def modules_of(root, package):
    """Every module of `package` (by dotted name), migrations and commands included;
    gunicorn.conf.py is a file gunicorn reads, not a module anything imports."""
    for path in sorted((root / package).rglob("*.py")):
        if "." in path.stem or "node_modules" in path.parts:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root, name):
    """The dotted names module `name` imports: `from a import b` gives a and, when b is a
    module, a.b."""
    path = module_path(root, name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(
                f"{module}.{alias.name}"
                for alias in node.names
                if module_path(root, f"{module}.{alias.name}")
            )
    return found


def loaded_by(root, name):
    """The modules importing `name` loads: what it imports, and their packages (a.b loads a)."""
    found = imports_of(root, name)
    return found | {
        ".".join(dotted.split(".")[:depth]) for dotted in found for depth in range(1, dotted.count(".") + 1)
    }


def top_level(name):
    return name.partition(".")[0]


def core_modules_reached_from_apps(root, apps=APPS, core=CORE_PACKAGE):
    """The core's modules the apps import, directly or through other core modules."""
    reached = set()
    pending = [
        imported
        for app in apps
        for module in modules_of(root, app)
        for imported in loaded_by(root, module)
        if top_level(imported) == core and module_path(root, imported)
    ]
    while pending:
        module = pending.pop()
        if module in reached:
            continue
        reached.add(module)
        pending.extend(
            imported
            for imported in loaded_by(root, module)
            if top_level(imported) == core and module_path(root, imported)
        )
    return reached


def app_imports(root, module, apps=APPS):
    return sorted(imported for imported in imports_of(root, module) if top_level(imported) in apps)


def rule_breaches(root, apps=APPS, core=CORE_PACKAGE):
    """'core module imports app module' for each breach of the one-way rule."""
    return [
        f"{module} imports {imported}"
        for module in sorted(core_modules_reached_from_apps(root, apps, core))
        for imported in app_imports(root, module, apps)
    ]


def test_no_module_an_app_imports_imports_an_app():
    assert rule_breaches(PROJECT_DIR) == []


def test_the_apps_reach_the_core_and_never_its_wiring():
    reached = core_modules_reached_from_apps(PROJECT_DIR)

    # The walk sees what the apps really use (so an empty result cannot pass by accident)...
    assert {"prolo_site.models", "prolo_site.page_cache", "prolo_site.csrf"} <= reached
    # ...and none of the modules that put the apps together.
    assert reached & WIRING == set()


def test_only_the_wiring_imports_the_apps():
    importers = {
        module for module in modules_of(PROJECT_DIR, CORE_PACKAGE) if app_imports(PROJECT_DIR, module)
    }

    assert importers <= WIRING, sorted(importers - WIRING)


def test_articles_and_appointments_know_nothing_of_each_other():
    for app in APPS:
        others = tuple(other for other in APPS if other != app)
        breaches = [
            f"{module} imports {imported}"
            for module in modules_of(PROJECT_DIR, app)
            for imported in app_imports(PROJECT_DIR, module, others)
        ]
        assert breaches == [], breaches


def test_the_check_finds_an_import_hidden_in_a_function_two_modules_away(tmp_path):
    """The walker itself: a core module reached only through another core module,
    importing an app inside a function, relative imports on the way."""
    files = {
        "shop/__init__.py": "",
        "shop/views.py": "from core import helpers\n",
        "core/__init__.py": "",
        "core/helpers.py": "from . import cache\n",
        "core/cache.py": "def expire():\n    from shop.models import Order\n",
        "core/unused.py": "import shop\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert rule_breaches(tmp_path, apps=("shop",), core="core") == ["core.cache imports shop.models"]


def test_the_suite_imports_nothing_from_the_bench():
    """tests/bench/ may use the suite's helpers; the suite never depends on the bench."""
    breaches = [
        f"{module} imports {imported}"
        for module in modules_of(PROJECT_DIR, "tests")
        if not module.startswith("tests.bench")
        for imported in imports_of(PROJECT_DIR, module)
        if imported.startswith("tests.bench")
    ]

    assert breaches == []
