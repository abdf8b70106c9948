"""A doc comment stays with its definition across the attributes, annotations, decorators and
wrappers written between them, in every language that has them (Go and Ruby have none).

Expected values were written by reading the fixtures in tests/fixtures/<language>/.
"""

from __future__ import annotations

import pytest

from test_indexer_languages import parse_fixture

CASES = [
    # `#[derive(..)]` and `#[must_use]` between `///` and the item; an attribute above the comment is not read.
    ("rust", "point.rs", {"point.Point": "A point on the plane.", "point.origin": "The point at zero.",
                          "point.Point.shift": "Moves the point by dx.", "point.Holder": "Holds one value."}),
    ("java", "com/example/Point.java", {"com.example.Point": "A point that is a bean.",
                                        "com.example.Point.toString": "Names the point."}),
    # C#'s XML wrappers are dropped too.
    ("csharp", "Point.cs", {"Example.Attributes.Point": "A point that serializes.",
                            "Example.Attributes.Point.Shift": "Moves the point."}),
    ("typescript", "view.ts", {"view.GreetingView": "Shows a greeting.",
                               "view.GreetingView.render": "Renders the greeting for who."}),
    ("javascript", "decorated.js", {"decorated.Counter": "Counts calls.", "decorated.Counter.increment": "Adds one.",
                                    "decorated.double": "Doubles n."}),
    ("php", "Router.php", {"App.Attributes.GreetController": "Routes a request.",
                           "App.Attributes.GreetController.greet": "Greets who.",
                           "App.Attributes.make_greeter": "Builds a greeter."}),
    # The docstring inside wins over a comment above the decorator; without one, the comment is the doc.
    ("python", "registry.py", {"registry.answer": "The answer, computed once.",
                               "registry.Config.name": "The configured name.",
                               "registry.Config.from_mapping": "Builds a config from a mapping."}),
    # `template <...>` and `[[nodiscard]]` between `///` and the definition.
    ("cpp", "templates.hpp", {"templates.shapes.Box": "A box around one value.",
                              "templates.shapes.Box.get": "The value inside.",
                              "templates.shapes.Box.set": "Replaces the value.",
                              "templates.shapes.add": "Adds two values."}),
]


@pytest.mark.parametrize(("language", "path", "expected"), CASES, ids=[case[0] for case in CASES])
def test_doc_comments_cross_attributes_and_decorators(language: str, path: str, expected: dict[str, str]):
    parsed = parse_fixture(language, path)
    assert parsed.parse_errors == 0
    docstrings = {s.qualified_name: s.docstring for s in parsed.symbols}
    assert {name: docstrings.get(name) for name in expected} == expected
