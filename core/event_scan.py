"""The scan behind the event checks (core.event_checks): which history
writes the project's code makes, with the kind and the subject of each, read
with ``ast`` (nothing is imported).

The writers are found from their own guard: a function that hands its
``kind`` parameter to ``event_kind_require(kind, subject)`` writes on that
subject, one that hands it to ``subject("<name>").record_event`` on that
subject, and to ``subject_of(record).record_event`` on whichever record it
is given (``ANY``). A function that passes its own ``kind`` parameter on to
a writer is a writer of the same subject. A kind is read from a literal, a
module constant (of the module or imported), an enum member, a local
variable assigned one of those (``a if c else b``, ``{...}[key]``) or a
property of the app's models returning them."""

import ast
import pathlib
import re
from dataclasses import dataclass, field

from django.apps import apps

from .events import CASE

ANY = "*"  # written on whichever record the writer is given (core.subjects.subject_of)
EXCLUDED_DIRS = {"migrations", "tests", "management"}
CONSTANT_NAME = re.compile(r"(^|_)EVENT(_|$)")
ENUM_NAME = re.compile(r"Event(Kind)?$")


@dataclass(frozen=True)
class Writer:
    subject: str
    param: str
    index: int | None  # its position among the positional parameters


@dataclass
class Module:
    name: str
    path: str
    app: str
    tree: ast.Module
    aliases: dict = field(default_factory=dict)  # local name -> (module, name) or (module, None)
    constants: dict = field(default_factory=dict)  # name -> expr
    enums: dict = field(default_factory=dict)  # class name -> {member: expr}
    properties: dict = field(default_factory=dict)  # name -> [FunctionDef]
    functions: list = field(default_factory=list)  # (def, its local assignments, its calls): _walk
    imports: list = field(default_factory=list)


@dataclass(frozen=True)
class Write:
    kind: str
    subject: str
    path: str
    line: int


@dataclass(frozen=True)
class Unread:
    path: str
    line: int
    function: str


def _project_configs():
    root = pathlib.Path(apps.get_app_config("core").path).parent
    return [c for c in apps.get_app_configs() if not c.name.startswith(("django.", "rest_"))
            and pathlib.Path(c.path).parent == root]


def _load(configs) -> dict[str, Module]:
    modules = {}
    for config in configs:
        root = pathlib.Path(config.path)
        for path in sorted(root.rglob("*.py")):
            if EXCLUDED_DIRS & set(path.relative_to(root).parts):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError):
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([config.name, *parts])
            modules[name] = _index(Module(name, str(path), config.name, tree), path.name == "__init__.py")
    return modules


def _index(module: Module, is_package: bool) -> Module:
    package = module.name if is_package else module.name.rpartition(".")[0]
    _walk(module)
    for node in module.imports:
        base = node.module or ""
        if node.level:
            up = package.split(".")
            up = up[: len(up) - node.level + 1]
            base = ".".join([*up, base] if base else up)
        for alias in node.names:
            module.aliases[alias.asname or alias.name] = (base, alias.name)
    for node in module.tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            module.constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.ClassDef):
            members = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    value = stmt.value.elts[0] if isinstance(stmt.value, ast.Tuple) and stmt.value.elts else stmt.value
                    members[stmt.targets[0].id] = value
                elif isinstance(stmt, ast.FunctionDef) and any(
                        isinstance(d, ast.Name) and d.id == "property" for d in stmt.decorator_list):
                    module.properties.setdefault(stmt.name, []).append(stmt)
            if members:
                module.enums[node.name] = members
    return module


def _own_nodes(fn):
    """The nodes of ``fn``'s body, not those of the functions and classes it defines."""
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _assigned(node, local: dict) -> None:
    """Add the local assignment ``node`` makes (name -> [expr])."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                local.setdefault(target.id, []).append(node.value)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        local.setdefault(node.target.id, []).append(node.value)


def _locals(fn) -> dict[str, list]:
    local: dict[str, list] = {}
    for node in _own_nodes(fn):
        _assigned(node, local)
    return local


def _walk(module: "Module") -> None:
    """One pass over the module: its imports, and of every def its local
    assignments and its calls (``Module.functions``)."""
    functions, imports = [], []
    todo = [(module.tree, None)]
    while todo:
        node, owner = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            owner = (node, {}, [])
            functions.append(owner)
        elif isinstance(node, ast.ClassDef):
            owner = None
        elif isinstance(node, ast.ImportFrom):
            imports.append(node)
        elif owner is not None:
            if isinstance(node, ast.Call):
                owner[2].append(node)
            else:
                _assigned(node, owner[1])
        todo.extend((child, owner) for child in ast.iter_child_nodes(node))
    for _fn, _local, calls in functions:
        calls.sort(key=lambda n: (n.lineno, n.col_offset))
    module.functions = sorted(functions, key=lambda f: f[0].lineno)
    module.imports = imports


def _params(fn) -> tuple[list[str], set[str]]:
    positional = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    return positional, {*positional, *(a.arg for a in fn.args.kwonlyargs)}


def _argument(call: ast.Call, writer: Writer):
    for kw in call.keywords:
        if kw.arg == writer.param:
            return kw.value
    if writer.index is not None and writer.index < len(call.args):
        return call.args[writer.index]
    return None


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class Scan:
    def __init__(self, modules: dict[str, Module]):
        self.modules = modules
        self.writers: dict[tuple[str, str], Writer] = {}
        self._find_writers()

    # --- which calls write --------------------------------------------------------------------

    def _origin(self, module: Module, name: str) -> tuple[str, str]:
        """The module and name an imported name comes from (or this module's own)."""
        return module.aliases.get(name, (module.name, name))

    def writer_of(self, module: Module, call: ast.Call) -> Writer | None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "record_event":
            owner = func.value
            subject = ANY
            if isinstance(owner, ast.Call) and owner.args and getattr(owner.func, "id", "") in (
                    "subject", "subject_named"):
                subject = _literal(owner.args[0]) or ANY
            return Writer(subject, "kind", 1)
        name = func.id if isinstance(func, ast.Name) else None
        if name is None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            # services.case_move(...): a writer of the module the alias names.
            target, attr = self._origin(module, func.value.id)
            return self.writers.get((f"{target}.{attr}" if attr else target, func.attr))
        if name is None:
            return None
        if name == "event_kind_require":
            subject = _literal(call.args[1]) if len(call.args) > 1 else None
            subject = subject or next((_literal(k.value) for k in call.keywords if k.arg == "subject"), None)
            return Writer(subject or CASE, "kind", 0)
        return self.writers.get(self._origin(module, name))

    def _find_writers(self) -> None:
        changed = True
        while changed:
            changed = False
            for module in self.modules.values():
                for fn, local, calls in module.functions:
                    key = (module.name, fn.name)
                    if key in self.writers:
                        continue
                    positional, params = _params(fn)
                    for call in calls:
                        writer = self.writer_of(module, call)
                        value = _argument(call, writer) if writer else None
                        if isinstance(value, ast.Name) and value.id in params and value.id not in local:
                            index = positional.index(value.id) if value.id in positional else None
                            self.writers[key] = Writer(writer.subject, value.id, index)
                            changed = True
                            break
                for alias, value in module.constants.items():  # case_move = _move
                    key = (module.name, alias)
                    if isinstance(value, ast.Name) and key not in self.writers \
                            and (module.name, value.id) in self.writers:
                        self.writers[key] = self.writers[(module.name, value.id)]
                        changed = True

    # --- what kind a write names --------------------------------------------------------------

    def kinds(self, module: Module, node, local: dict, depth: int = 0) -> set[str] | None:
        """The kinds ``node`` can be, or None when the scan cannot read it."""
        if depth > 8:
            return None
        def again(sub, mod=module, loc=local):
            return self.kinds(mod, sub, loc, depth + 1)
        if (text := _literal(node)) is not None:
            return {text}
        if isinstance(node, ast.IfExp):
            return _union(again(node.body), again(node.orelse))
        if isinstance(node, ast.BoolOp):
            return _union(*(again(v) for v in node.values))
        if isinstance(node, ast.Subscript):
            table = node.value
            if isinstance(table, ast.Name) and len(local.get(table.id, ())) == 1:
                table = local[table.id][0]
            return _union(*(again(v) for v in table.values)) if isinstance(table, ast.Dict) else None
        if isinstance(node, ast.Name):
            if node.id in local:
                return _union(*(again(v) for v in local[node.id]))
            return self._named(module, node.id, depth)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._attribute(module, node.value.id, node.attr, depth)
        if isinstance(node, ast.Attribute):
            return self._property(module.app, node.attr, depth)
        return None

    def _named(self, module: Module, name: str, depth: int):
        if name in module.constants:
            return self.kinds(module, module.constants[name], {}, depth + 1)
        target, attr = self._origin(module, name)
        other = self.modules.get(target)
        if other is not None and other is not module and attr in other.constants:
            return self._named(other, attr, depth + 1)
        return None

    def _attribute(self, module: Module, base: str, attr: str, depth: int):
        # An enum member: this module's class, or the class an alias imports.
        enum_module, enum_name = (module, base) if base in module.enums else (None, None)
        if enum_module is None:
            target, name = self._origin(module, base)
            if (found := self.modules.get(target)) is not None and name in found.enums:
                enum_module, enum_name = found, name
            elif (found := self.modules.get(f"{target}.{name}")) is not None:
                return self._named(found, attr, depth + 1)  # services.CASE_EVENT_CITED
            else:
                # Re-exported: the one class of that name in the app.
                enum_module = next((m for m in self.modules.values() if m.app == module.app and name in m.enums),
                                   None)
                enum_name = name
        if enum_module is not None and attr in enum_module.enums.get(enum_name, {}):
            return self.kinds(enum_module, enum_module.enums[enum_name][attr], {}, depth + 1)
        return self._property(module.app, attr, depth)

    def _property(self, app: str, attr: str, depth: int):
        """``record.event_kind``: what the app's property of that name returns."""
        found = [(m, fn) for m in self.modules.values() if m.app == app for fn in m.properties.get(attr, ())]
        if not found:
            return None
        out = []
        for module, fn in found:
            local = _locals(fn)
            returns = [n.value for n in _own_nodes(fn) if isinstance(n, ast.Return) and n.value is not None]
            out.extend(self.kinds(module, r, local, depth + 1) for r in returns)
        return _union(*out) if out else None

    # --- the writes -----------------------------------------------------------------------------

    def writes(self, names) -> tuple[list[Write], list[Unread]]:
        found, unread = [], []
        for name in names:
            module = self.modules[name]
            for fn, local, calls in module.functions:
                own = self.writers.get((module.name, fn.name))
                for call in calls:
                    writer = self.writer_of(module, call)
                    if writer is None or getattr(call.func, "id", "") == "event_kind_require":
                        continue
                    value = _argument(call, writer)
                    if value is None:
                        continue
                    if own is not None and isinstance(value, ast.Name) and value.id == own.param:
                        continue  # passed on: its callers name the kind
                    kinds = self.kinds(module, value, local)
                    if kinds is None:
                        unread.append(Unread(module.path, call.lineno, fn.name))
                        continue
                    found.extend(Write(kind, writer.subject, module.path, call.lineno) for kind in sorted(kinds))
        return found, unread

    def kind_constants(self, names) -> list[tuple[str, str, int]]:
        """(kind, file, line) of every constant that names an event kind."""
        out = []
        for name in names:
            module = self.modules[name]
            for node in module.tree.body:
                if isinstance(node, ast.ClassDef) and ENUM_NAME.search(node.name) and any(
                        ast.unparse(b).endswith("Choices") for b in node.bases):
                    for expr in module.enums.get(node.name, {}).values():
                        for kind in self.kinds(module, expr, {}) or ():
                            out.append((kind, module.path, node.lineno))
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and CONSTANT_NAME.search(node.targets[0].id) and _literal(node.value) is not None:
                    out.append((node.value.value, module.path, node.lineno))
        return out


def _union(*parts):
    if not parts or any(p is None for p in parts):
        return None
    return set().union(*parts)


def scan_project(app_configs):
    """The scan of the project (whose writers every app may call) and the
    names of the modules of ``app_configs``."""
    project = _project_configs()
    extra = [c for c in app_configs if c not in project] if app_configs else []
    modules = _load([*project, *extra])
    wanted = {c.name for c in (app_configs or project)}
    return Scan(modules), [n for n, m in modules.items() if m.app in wanted]


def event_writes(app_configs=None) -> tuple[list[Write], list[Unread]]:
    scan, names = scan_project(app_configs)
    return scan.writes(names)


def written_kinds(app_configs=None) -> list[tuple[str, str, int]]:
    """(kind, file, line) of every event kind the apps' code writes."""
    return [(w.kind, w.path, w.line) for w in event_writes(app_configs)[0]]
