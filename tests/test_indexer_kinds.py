"""A function is a method only inside a class-like definition: namespaces and modules hold functions."""

from __future__ import annotations

import pytest

from kenning.indexer.extract import parse_source


@pytest.mark.parametrize(("language", "path", "source", "expected"), [
    ("cpp", "n.cpp",
     b"namespace util {\nint add(int a, int b) { return a + b; }\nstruct P { int get() { return 1; } };\n}\n",
     {"n.util": "module", "n.util.add": "function", "n.util.P": "struct", "n.util.P.get": "method"}),
    ("rust", "m.rs", b"mod inner {\n    pub fn helper() -> u32 { 1 }\n    pub trait T { fn m(&self) {} }\n}\n"
                     b"struct S;\nimpl S {\n    fn own(&self) {}\n}\n",
     {"m.inner": "module", "m.inner.helper": "function", "m.inner.T": "interface", "m.inner.T.m": "method",
      "m.S": "struct", "m.S.own": "method"}),
    ("typescript", "n.ts", b"namespace Shapes {\n  export function area(r: number) { return r * r; }\n}\n",
     {"n.Shapes": "module", "n.Shapes.area": "function"}),
    ("php", "n.php", b"<?php\nnamespace App {\n  function helper() { return 1; }\n}\n",
     {"App": "module", "App.helper": "function"}),
])
def test_functions_in_namespaces_and_modules_are_functions(language, path, source, expected):
    parsed = parse_source(path, source, language)
    assert {s.qualified_name: s.kind for s in parsed.symbols} == expected
