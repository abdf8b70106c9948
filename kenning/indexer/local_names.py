"""Local variables, found with a grammar's own `queries/locals.scm`.

Ruby's shipped tags query counts every bare identifier as a call unless `(#is-not? local)`;
py-tree-sitter leaves that predicate to the caller, so without this every parameter or local
read (`who` in `format("hi %s", who)`) would be recorded as a call of a method named `who`.
"""

from __future__ import annotations

from tree_sitter import Node, Query, QueryCursor

_Scope = tuple[int, int] | None  # (start, end) byte range of a scope node; None is the file itself


class LocalNames:
    """Answers "is this identifier a local variable where it is used?" for one parsed file."""

    def __init__(self, query: Query, root: Node) -> None:
        self._scopes: set[tuple[int, int]] = set()
        self._closed: set[tuple[int, int]] = set()  # scopes that do not see the locals around them (a method)
        definitions: list[Node] = []
        for pattern, captures in QueryCursor(query).matches(root):
            closed = query.pattern_settings(pattern).get("local.scope-inherits") == "false"
            for node in captures.get("local.scope", ()):
                self._scopes.add((node.start_byte, node.end_byte))
                if closed:
                    self._closed.add((node.start_byte, node.end_byte))
            definitions += captures.get("local.definition", ())
        self._defined: dict[bytes, list[tuple[int, _Scope]]] = {}
        for node in definitions:
            if node.text:
                self._defined.setdefault(node.text, []).append((node.start_byte, self._innermost(node)))

    def is_local(self, node: Node) -> bool:
        """A local of an enclosing scope the node can see, defined by or before the node."""
        found = self._defined.get(node.text or b"")
        if not found:
            return False
        visible = self._visible_scopes(node)
        return any(start <= node.start_byte and scope in visible for start, scope in found)

    def _innermost(self, node: Node) -> _Scope:
        parent = node.parent
        while parent is not None:
            key = (parent.start_byte, parent.end_byte)
            if key in self._scopes:
                return key
            parent = parent.parent
        return None

    def _visible_scopes(self, node: Node) -> set[_Scope]:
        visible: set[_Scope] = set()
        parent = node.parent
        while parent is not None:
            key = (parent.start_byte, parent.end_byte)
            if key in self._scopes:
                visible.add(key)
                if key in self._closed:
                    return visible
            parent = parent.parent
        visible.add(None)
        return visible
