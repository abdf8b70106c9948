"""The comment written just above a definition: its documentation in every language but Python.

What stands between the comment and the definition's own node differs by grammar:
- a wrapper that holds the definition after other children: `export`, a Python decorated
  definition, a C++ `template <...>`, a JavaScript `const f = () => ...` declaration;
- siblings: Rust `#[derive(..)]` attribute items, TypeScript decorators on class members.
Java/C#/PHP annotations and attributes, and decorators on TypeScript classes, are children of the
definition's node, so its start is already theirs.
"""

from __future__ import annotations

import re

from tree_sitter import Node

_WRAPPERS = frozenset({
    "export_statement", "decorated_definition", "template_declaration",
    "lexical_declaration", "variable_declaration",
})
_BETWEEN = frozenset({"attribute_item", "decorator"})
_COMMENT_MARKERS = re.compile(r"^\s*(?:/\*\*?|\*/|\*|///?|#)\s?|\s*\*/\s*$", re.MULTILINE)
# C#'s XML doc wrappers say nothing a reader (or a search) needs: `/// <summary>Adds.</summary>`.
_XML_DOC_TAGS = re.compile(r"</?(?:summary|remarks|returns|value|para)\s*/?>")


def leading_comment(node: Node) -> str:
    """The comments ending on the line above `node` (or above its wrapper and attributes), markers
    stripped; "" when there are none."""
    anchor = node
    while anchor.parent is not None and anchor.parent.type in _WRAPPERS:
        anchor = anchor.parent
    comments: list[str] = []
    sibling = anchor.prev_named_sibling
    expected_row = anchor.start_point[0]
    while sibling is not None and sibling.end_point[0] >= expected_row - 1:
        if "comment" in sibling.type:
            comments.append(sibling.text.decode("utf-8", errors="replace") if sibling.text else "")
        elif sibling.type not in _BETWEEN or comments:
            break  # the comments found are all of it; an attribute above them is no documentation
        expected_row = sibling.start_point[0]
        sibling = sibling.prev_named_sibling
    return _XML_DOC_TAGS.sub("", _COMMENT_MARKERS.sub("", "\n".join(reversed(comments))))
