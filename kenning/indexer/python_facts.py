"""What Python's own parser says about one file that tree-sitter's tags do not: which names it binds,
how each call passes its arguments, and which class a call's receiver holds where that is plain.

The resolver (resolve.py) decides which definition a reference means; these facts decide what it
cannot: that a bare name is bound by nothing at all (Python has no implicit globals besides the
builtins), how many arguments a call gives, and that `inv` in `inv = Invoice(); inv.settle()` is an
`Invoice`. A receiver is known only when every binding of the name in its function agrees: one
constructor call, or an annotation; anything else leaves it unknown. Files Python cannot parse give
no facts (None), and code that binds names at run time (star imports, `exec`, writes to `globals()`)
is marked dynamic so that nobody reports its names as missing.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

# Names every module sees without binding them.
BUILTIN_NAMES = frozenset(dir(builtins)) | {
    "__file__", "__name__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__", "__path__",
    "__debug__", "__annotations__", "__qualname__", "__module__", "__class__", "__dict__", "reveal_type",
}
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_NAME_ERRORS = frozenset({"NameError", "Exception", "BaseException"})
_INERT_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "total_ordering", "functools.total_ordering",
                               "final", "typing.final"})
_UNKNOWN = "?"


@dataclass(frozen=True, slots=True)
class CallShape:
    line: int
    callee: str  # as written, dotted: 'settle', 'self.settle', 'inv.settle', 'invoices.settle_invoice'
    positional: int
    keywords: tuple[str, ...]
    unpacked: bool  # `*args` or `**kwargs` at the call: its count is not known
    receiver: str | None = None  # for `x.m(...)`: the class `x` holds as written ('Invoice'), when known
    own_class: str | None = None  # for `self.m(...)` / `cls.m(...)`: the enclosing class, dotted within the module
    bound_method: bool = True  # the receiver is an instance (or cls): the method's first parameter is taken
    name_guarded: bool = False  # inside a try that catches NameError: a missing name is expected there


@dataclass(frozen=True, slots=True)
class ImportFact:
    line: int
    module: str  # as written, with a relative import's dots: '.invoices', 'billing.invoices'
    names: tuple[str, ...]  # `from m import a, b` -> ('a', 'b'); `import m` -> ()
    guarded: bool  # under try/except ImportError or `if TYPE_CHECKING`: it may be missing on purpose
    top: bool  # at module level, run on import (not inside a function or an `if`)
    star: bool = False


@dataclass(frozen=True, slots=True)
class ClassFacts:
    dynamic: bool  # decorated (beyond dataclass), a metaclass, or `__getattr__`: members may come from anywhere


@dataclass(frozen=True, slots=True)
class PythonFacts:
    bound: frozenset[str]  # every name bound anywhere in the file, in any scope
    rebound: frozenset[str]  # those bound by something other than an import (a def, an assignment, a parameter)
    dynamic: bool  # names may be bound at run time: a star import, exec, writes to globals()
    calls: tuple[CallShape, ...]
    imports: tuple[ImportFact, ...]
    classes: dict[str, ClassFacts]  # dotted within the module: 'Invoice', 'Outer.Inner'


def python_facts(source: str) -> PythonFacts | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    walker = _Walker()
    walker.visit_body(tree.body, {}, None, None, guarded=False, top=True)
    return PythonFacts(frozenset(walker.bound | walker.imported), frozenset(walker.bound), walker.dynamic,
                       tuple(walker.calls), tuple(walker.imports), walker.classes)


def dotted(node: ast.AST) -> str | None:
    """'a.b.c' for a chain of names and attributes; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def annotation_class(node: ast.AST | None) -> str | None:
    """The one class an annotation names: `Invoice`, `m.Invoice`, `"Invoice"`, `Invoice | None`, `Optional[Invoice]`."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return annotation_class(sides[0]) if len(sides) == 1 else None
    if isinstance(node, ast.Subscript) and dotted(node.value) in ("Optional", "typing.Optional"):
        return annotation_class(node.slice)
    return dotted(node)


class _Walker:
    def __init__(self) -> None:
        self.bound: set[str] = set()  # by anything but an import
        self.imported: set[str] = set()
        self.name_guards = 0  # try blocks around the current node that catch NameError
        self.dynamic = False
        self.calls: list[CallShape] = []
        self.imports: list[ImportFact] = []
        self.classes: dict[str, ClassFacts] = {}

    def visit_body(self, body: list[ast.stmt], receivers: dict[str, str], own_class: str | None,
                   class_path: str | None, *, guarded: bool, top: bool) -> None:
        for statement in body:
            self.visit_statement(statement, receivers, own_class, class_path, guarded=guarded, top=top)

    def visit_statement(self, node: ast.stmt, receivers: dict[str, str], own_class: str | None,
                        class_path: str | None, *, guarded: bool, top: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.bound.add(node.name)
            for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if expr is not None:
                    self.visit_expression(expr, receivers, own_class)
            self.visit_function(node, receivers, class_path, own_class)
            return
        if isinstance(node, ast.ClassDef):
            self.bound.add(node.name)
            path = f"{class_path}.{node.name}" if class_path else node.name
            decorators = [dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
            members = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            dynamic = (any(d not in _INERT_DECORATORS for d in decorators) or any(k.arg == "metaclass"
                       for k in node.keywords) or bool(members & {"__getattr__", "__getattribute__"}))
            self.classes[path] = ClassFacts(dynamic)
            for expr in [*node.bases, *node.decorator_list, *(k.value for k in node.keywords)]:
                self.visit_expression(expr, receivers, own_class)
            self.visit_body(node.body, receivers, own_class, path, guarded=guarded, top=False)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.imported.add(alias.asname or alias.name.split(".")[0])
                self.imports.append(ImportFact(node.lineno, alias.name, (), guarded, top))
            return
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            star = any(a.name == "*" for a in node.names)
            self.dynamic |= star
            self.imported.update(a.asname or a.name for a in node.names)
            self.imports.append(ImportFact(node.lineno, module, tuple(a.name for a in node.names if a.name != "*"),
                                           guarded, top, star))
            return
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            catches = any(_catches_import_error(h) for h in node.handlers)
            names = any(_catches(h, _NAME_ERRORS) for h in node.handlers)
            self.name_guards += names
            self.visit_body(node.body, receivers, own_class, class_path, guarded=guarded or catches, top=top)
            self.name_guards -= names
            for handler in node.handlers:
                if handler.name:
                    self.bound.add(handler.name)
                if handler.type is not None:
                    self.visit_expression(handler.type, receivers, own_class)
                self.visit_body(handler.body, receivers, own_class, class_path, guarded=True, top=top)
            for rest in (node.orelse, node.finalbody):
                self.visit_body(rest, receivers, own_class, class_path, guarded=guarded, top=top)
            return
        if isinstance(node, ast.If):
            self.visit_expression(node.test, receivers, own_class)
            type_only = "TYPE_CHECKING" in {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "")
                                            for n in ast.walk(node.test)}
            self.visit_body(node.body, receivers, own_class, class_path, guarded=guarded or type_only, top=False)
            self.visit_body(node.orelse, receivers, own_class, class_path, guarded=guarded, top=False)
            return
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            self.bound.update(node.names)
            return
        # Any other statement: its bindings and expressions, its nested blocks with the same context.
        self.visit_children(node, receivers, own_class, class_path, guarded=guarded, top=top)

    def visit_other(self, node: ast.AST, receivers: dict[str, str], own_class: str | None, class_path: str | None,
                    *, guarded: bool, top: bool) -> None:
        """Nodes that are neither statements nor expressions: match cases, with items, comprehensions."""
        for child in ast.walk(node):
            if isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
                self.bound.add(child.name)
            elif isinstance(child, ast.MatchMapping) and child.rest:
                self.bound.add(child.rest)
        self.visit_children(node, receivers, own_class, class_path, guarded=guarded, top=top)

    def visit_children(self, node: ast.AST, receivers: dict[str, str], own_class: str | None, class_path: str | None,
                       *, guarded: bool, top: bool) -> None:
        """Each child of `node` by what it is, in the same context."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.visit_statement(child, receivers, own_class, class_path, guarded=guarded, top=top)
            elif isinstance(child, ast.expr):
                self.visit_expression(child, receivers, own_class)
            else:
                self.visit_other(child, receivers, own_class, class_path, guarded=guarded, top=top)

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, outer: dict[str, str],
                       class_path: str | None, outer_class: str | None) -> None:
        arguments = node.args
        parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                      *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)]
        self.bound.update(a.arg for a in parameters)
        origins: dict[str, set[str]] = {}
        for a in parameters:
            origins.setdefault(a.arg, set()).add(annotation_class(a.annotation) or _UNKNOWN)
        for a in (arguments.vararg, arguments.kwarg):
            if a is not None:
                origins[a.arg] = {_UNKNOWN}
        self_name, own_class = None, outer_class  # a nested function sees its method's `self`
        decorators = {dotted(d) for d in node.decorator_list}
        positional = [*arguments.posonlyargs, *arguments.args]
        if class_path is not None and positional and "staticmethod" not in decorators:
            self_name, own_class = positional[0].arg, class_path
            origins[self_name] = {_UNKNOWN}  # recorded apart: `own_class`
        _collect_bindings(node.body, origins)
        receivers = {name: found.pop() for name, found in origins.items() if len(found) == 1}
        receivers = {**{k: v for k, v in outer.items() if k not in origins}, **receivers}
        if self_name is not None:
            receivers[self_name] = "<self>"
        self.visit_body(node.body, receivers, own_class, None, guarded=False, top=False)

    def visit_expression(self, node: ast.expr, receivers: dict[str, str], own_class: str | None) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                self.bound.add(child.id)
            elif isinstance(child, ast.Name) and self.name_guards:
                self.bound.add(child.id)  # `try: get_ipython except NameError`: probed, so bound when it runs
            elif (isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store)
                  and isinstance(child.value, ast.Call) and dotted(child.value.func) in ("globals", "vars", "locals")):
                self.dynamic = True  # globals()[name] = ...
            elif isinstance(child, ast.arg):
                self.bound.add(child.arg)
            elif isinstance(child, ast.Call):
                self.visit_call(child, receivers, own_class)

    def visit_call(self, node: ast.Call, receivers: dict[str, str], own_class: str | None) -> None:
        callee = dotted(node.func)
        # Bare names come from the module's globals only (a module `__getattr__` serves attribute access
        # from outside): only exec or writing to globals() binds one at run time.
        self.dynamic |= callee in ("exec", "globals.update", "globals.setdefault") or (
            callee is not None and callee.endswith(("globals().update", "globals().setdefault")))
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call) and \
                dotted(node.func.value.func) == "globals" and node.func.attr in ("update", "setdefault", "__setitem__"):
            self.dynamic = True
        unpacked = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
        shape = dict(line=node.lineno, positional=len(node.args), keywords=tuple(k.arg for k in node.keywords if k.arg),
                     unpacked=unpacked, name_guarded=self.name_guards > 0)
        if callee is not None:
            head, _, rest = callee.partition(".")
            receiver = receivers.get(head) if rest and "." not in rest else None
            if receiver == "<self>":
                self.calls.append(CallShape(callee=callee, own_class=own_class, **shape))
            elif receiver is not None and receiver != _UNKNOWN:
                self.calls.append(CallShape(callee=callee, receiver=receiver, **shape))
            else:
                self.calls.append(CallShape(callee=callee, **shape))
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
            made = dotted(node.func.value.func)  # `Invoice(...).settle()`
            if made is not None:
                self.calls.append(CallShape(callee=f"{made}().{node.func.attr}", receiver=made, **shape))


def _collect_bindings(body: list[ast.stmt], origins: dict[str, set[str]]) -> None:
    """Each name a function body binds -> where its values come from (a class as written, or '?')."""
    for statement in body:
        for node in _own_scope(statement):
            if isinstance(node, ast.Assign):
                origin = _constructed(node.value) if len(node.targets) == 1 else None
                for target in node.targets:
                    for name in _names_in(target):
                        origins.setdefault(name, set()).add(
                            origin if origin and isinstance(target, ast.Name) else _UNKNOWN)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                origins.setdefault(node.target.id, set()).add(annotation_class(node.annotation) or _UNKNOWN)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                origins.setdefault(node.id, set())  # how: the second pass below
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    origins.setdefault(name, set()).add(_UNKNOWN)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                origins.setdefault(node.name, set()).add(_UNKNOWN)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    origins.setdefault(alias.asname or alias.name.split(".")[0], set()).add(_UNKNOWN)
    # A name stored by anything but a plain assignment or annotation (for, with, augmented, walrus, del,
    # unpacking) was recorded with no origin above: it is unknown.
    for statement in body:
        for node in _own_scope(statement):
            if isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.AugAssign, ast.NamedExpr,
                                 ast.Delete, ast.comprehension, ast.ExceptHandler, ast.match_case)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                        origins.setdefault(inner.id, set()).add(_UNKNOWN)
                if isinstance(node, ast.ExceptHandler) and node.name:
                    origins.setdefault(node.name, set()).add(_UNKNOWN)
    for found in origins.values():
        if not found:
            found.add(_UNKNOWN)


def _own_scope(node: ast.AST):
    """`node` and what it holds, without descending into nested functions, classes or lambdas."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                        ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(current))


def _constructed(value: ast.expr) -> str | None:
    """The callee of `Name(...)` or `a.Name(...)` whose last part is capitalised: a constructor call as written."""
    if isinstance(value, ast.Call):
        callee = dotted(value.func)
        if callee and callee.rsplit(".", 1)[-1][:1].isupper():
            return callee
    return None


def _names_in(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    return _catches(handler, _IMPORT_ERRORS)


def _catches(handler: ast.ExceptHandler, errors: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(k) or "").rsplit(".", 1)[-1] in errors for k in kinds)
