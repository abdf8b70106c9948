"""Every language yields the symbols, calls, imports and heritage its fixture really contains.

Expected values were written by reading the fixtures in tests/fixtures/<language>/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kenning.indexer.extract import parse_source
from kenning.indexer.languages import language_names
from kenning.models import ParsedFile

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Case:
    language: str
    path: str  # relative to fixtures/<language>/, which is also the module path
    symbols: list[tuple[str, str]]  # (qualified name, kind), all of them
    imports: set[tuple[str, str]]  # (name, text), all of them
    calls: set[tuple[str, str, str | None]]  # (name, text, source), some of them
    heritage: set[tuple[str, str, str | None]] = field(default_factory=set)  # (kind, name, source)
    docstrings: dict[str, str] = field(default_factory=dict)


CASES = [
    Case(
        "python", "greeter.py",
        symbols=[("greeter.Base", "class"), ("greeter.Greeter", "class"),
                 ("greeter.Greeter.greet", "method"), ("greeter.welcome", "function")],
        imports={("osp", "os.path"), ("OrderedDict", "collections.OrderedDict")},
        calls={("join", "osp.join", "greeter.Greeter.greet"), ("greet", "Greeter().greet", "greeter.welcome")},
        heritage={("inherit", "Base", "greeter.Greeter")},
        docstrings={"greeter.Greeter": "Builds greetings."},
    ),
    Case(
        "javascript", "greeter.js",
        symbols=[("greeter.Greeter", "class"), ("greeter.Greeter.greet", "method"),
                 ("greeter.welcome", "function"), ("greeter.shout", "function"),
                 ("greeter.loadLazily", "function")],
        imports={("./base.js", "./base.js"), ("path", "path"), ("./lazy.js", "./lazy.js")},
        calls={("join", "path.join", "greeter.Greeter.greet"), ("greet", "greeter.greet", "greeter.welcome")},
        heritage={("inherit", "Base", "greeter.Greeter")},
        docstrings={"greeter.Greeter": "Builds greetings."},
    ),
    Case(
        "typescript", "greeter.ts",
        symbols=[("greeter.Named", "interface"), ("greeter.Named.name", "method"),
                 ("greeter.Mood", "enum"), ("greeter.Greeting", "type"),
                 ("greeter.Greeter", "class"), ("greeter.Greeter.name", "method"),
                 ("greeter.Greeter.greet", "method"), ("greeter.welcome", "function")],
        imports={("events", "events"), ("node:path", "node:path")},
        calls={("join", "path.join", "greeter.Greeter.greet"), ("greet", "greeter.greet", "greeter.welcome")},
        heritage={("inherit", "EventEmitter", "greeter.Greeter"), ("implement", "Named", "greeter.Greeter")},
    ),
    Case(
        "tsx", "Greeting.tsx",
        symbols=[("Greeting.Props", "interface"), ("Greeting.Greeting", "class"),
                 ("Greeting.Greeting.render", "method"), ("Greeting.App", "function")],
        imports={("react", "react"), ("./greeter", "./greeter")},
        calls={("welcome", "welcome", "Greeting.Greeting.render")},
        heritage={("inherit", "Component", "Greeting.Greeting")},
    ),
    Case(
        "go", "greeter/greeter.go",
        symbols=[("greeter.Named", "interface"), ("greeter.Base", "struct"), ("greeter.Greeter", "struct"),
                 ("greeter.Greeter.Greet", "method"), ("greeter.Welcome", "function")],
        imports={("fmt", "fmt"), ("str", "strings")},
        calls={("Sprintf", "fmt.Sprintf", "greeter.Greeter.Greet"), ("Greet", "g.Greet", "greeter.Welcome")},
        heritage={("inherit", "Base", "greeter.Greeter")},  # the embedded struct
        docstrings={"greeter.Greeter.Greet": "Greet returns a greeting for who."},
    ),
    Case(
        "rust", "greeter.rs",
        symbols=[("greeter.Greeter", "struct"), ("greeter.Mood", "enum"), ("greeter.Named", "interface"),
                 ("greeter.Greeter.new", "method"), ("greeter.Greeter.greet", "method"),
                 ("greeter.Greeter.fmt", "method"), ("greeter.welcome", "function")],
        imports={("std::collections::HashMap", "std::collections::HashMap"), ("Display", "std::fmt::Display")},
        calls={("new", "Greeter::new", "greeter.welcome"), ("greet", "greeter.greet", "greeter.welcome"),
               ("format", "format", "greeter.Greeter.greet")},
        heritage={("implement", "Display", None)},
        docstrings={"greeter.Greeter": "Says hello."},
    ),
    Case(
        "java", "com/example/Greeter.java",
        symbols=[("com.example.Greeter", "class"), ("com.example.Greeter.name", "method"),
                 ("com.example.Greeter.greet", "method"), ("com.example.Greeter.welcome", "method"),
                 ("com.example.Named", "interface"), ("com.example.Named.name", "method"),
                 ("com.example.Mood", "enum")],
        imports={("java.util.ArrayList", "java.util.ArrayList"), ("java.util.List", "java.util.List")},
        calls={("greet", "greet", "com.example.Greeter.welcome"),
               ("add", "add", "com.example.Greeter.greet")},
        heritage={("inherit", "Base", "com.example.Greeter"),
                  ("implement", "Named", "com.example.Greeter")},
        docstrings={"com.example.Greeter": "Says hello."},
    ),
    Case(
        "c", "greeter.c",
        symbols=[("greeter.mood", "enum"), ("greeter.greeter_greet", "function"), ("greeter.welcome", "function")],
        imports={("stdio.h", "stdio.h"), ("greeter.h", "greeter.h")},
        calls={("printf", "printf", "greeter.greeter_greet"), ("greeter_greet", "greeter_greet", "greeter.welcome")},
        docstrings={"greeter.greeter_greet": "Prints a greeting for who."},
    ),
    Case(
        "cpp", "greeter.cpp",
        symbols=[("greeter.greeting", "module"), ("greeter.greeting.Base", "class"),
                 ("greeter.greeting.Greeter", "class"),
                 ("greeter.greeting.Greeter.count", "method"),
                 # its definition outside the class, which the declaration inside folds into
                 ("greeter.greeting.Greeter.greet", "method"),
                 ("greeter.welcome", "function")],
        imports={("string", "string"), ("greeter.hpp", "greeter.hpp")},
        calls={("greet", "greeter.greet", "greeter.welcome"),
               ("append", 'std::string("hello,").append', "greeter.greeting.Greeter.greet")},
        heritage={("inherit", "Base", "greeter.greeting.Greeter")},
        docstrings={"greeter.greeting.Greeter": "Says hello."},
    ),
    Case(
        "csharp", "Greeter.cs",
        symbols=[("Example.Greetings", "module"),
                 ("Example.Greetings.INamed", "interface"),
                 ("Example.Greetings.INamed.Name", "method"),
                 ("Example.Greetings.Mood", "enum"),
                 ("Example.Greetings.Point", "struct"),
                 ("Example.Greetings.Greeter", "class"),
                 ("Example.Greetings.Greeter.Name", "method"),
                 ("Example.Greetings.Greeter.Greet", "method"),
                 ("Example.Greetings.Greeter.Format", "method"),
                 ("Example.Greetings.Base", "class")],
        imports={("System", "System"), ("System.Collections.Generic", "System.Collections.Generic")},
        calls={("Add", "seen.Add", "Example.Greetings.Greeter.Greet"),
               ("Format", "Format", "Example.Greetings.Greeter.Greet")},
        heritage={("inherit", "Base", "Example.Greetings.Greeter"),
                  ("inherit", "INamed", "Example.Greetings.Greeter")},
    ),
    Case(
        "ruby", "greeter.rb",
        symbols=[("greeter.Greetings", "module"), ("greeter.Greetings.Greeter", "class"),
                 ("greeter.Greetings.Greeter.greet", "method"), ("greeter.Greetings.Greeter.welcome", "method")],
        imports={("set", "set"), ("base", "base")},
        calls={("format", "format", "greeter.Greetings.Greeter.greet"),
               ("greet", "greet", "greeter.Greetings.Greeter.welcome")},
        heritage={("inherit", "Base", "greeter.Greetings.Greeter"),
                  ("implement", "Comparable", "greeter.Greetings.Greeter")},
    ),
    Case(
        "php", "Greeter.php",
        symbols=[("App.Greetings", "module"), ("App.Greetings.Named", "interface"),
                 ("App.Greetings.Named.name", "method"), ("App.Greetings.Greeter", "class"),
                 ("App.Greetings.Greeter.seen", "field"), ("App.Greetings.Greeter.name", "method"),
                 ("App.Greetings.Greeter.greet", "method"), ("App.Greetings.welcome", "function")],
        imports={("App\\Support\\Base", "App\\Support\\Base"), ("Logger", "Psr\\Log\\LoggerInterface"),
                 ("Clock", "App\\Support\\Clock"), ("Fmt", "App\\Support\\Format"),
                 ("/helpers.php", "/helpers.php")},
        calls={("sprintf", "sprintf", "App.Greetings.Greeter.greet"), ("greet", "greet", "App.Greetings.welcome")},
        heritage={("inherit", "Base", "App.Greetings.Greeter"), ("implement", "Named", "App.Greetings.Greeter")},
        docstrings={"App.Greetings.Greeter": "Says hello."},
    ),
]


def parse_fixture(language: str, path: str) -> ParsedFile:
    return parse_source(path, (FIXTURES / language / path).read_bytes(), language)


def test_every_language_has_a_case():
    assert sorted(case.language for case in CASES) == language_names()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_symbols(case: Case):
    parsed = parse_fixture(case.language, case.path)
    assert parsed.parse_errors == 0
    assert sorted((s.qualified_name, s.kind) for s in parsed.symbols) == sorted(case.symbols)
    docstrings = {s.qualified_name: s.docstring for s in parsed.symbols}
    for qualified_name, docstring in case.docstrings.items():
        assert docstrings[qualified_name] == docstring


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_references(case: Case):
    references = parse_fixture(case.language, case.path).references
    assert {(r.name, r.text) for r in references if r.kind == "import"} == case.imports
    calls = {(r.name, r.text, r.source) for r in references if r.kind == "call"}
    assert case.calls and case.calls <= calls
    heritage = {(r.kind, r.name, r.source) for r in references if r.kind in ("inherit", "implement")}
    assert case.heritage <= heritage


def test_c_header_prototype_keeps_its_return_type():
    symbols = {s.qualified_name: s for s in parse_fixture("c", "greeter.h").symbols}
    assert {name: s.kind for name, s in symbols.items()} == {
        "greeter.greeter": "struct", "greeter.greeter_t": "type", "greeter.greeter_greet": "declaration",
    }
    assert symbols["greeter.greeter_greet"].signature == "void greeter_greet(greeter_t *g, const char *who);"


def test_function_symbols_span_their_bodies():
    # The C-family tags mark only the declarator; the symbol must still cover the body.
    c = {s.name: s for s in parse_fixture("c", "greeter.c").symbols}
    assert (c["welcome"].start_line, c["welcome"].end_line) == (13, 18)
    cpp = [s for s in parse_fixture("cpp", "greeter.cpp").symbols if s.name == "greet"]
    assert [(s.start_line, s.end_line) for s in cpp] == [(21, 24)]  # the declaration at 14 folds into it
    assert cpp[0].parent == "greeter.greeting.Greeter"  # which says whose method it is



@pytest.mark.parametrize(("language", "path", "source", "expected"), [
    # A Maven layout: the package, not the folder, names the class.
    ("java", "src/main/java/com/acme/model/User.java",
     b"package com.acme.model;\n\npublic class User {\n    public String name() { return \"x\"; }\n}\n",
     ("com.acme.model", ["com.acme.model.User", "com.acme.model.User.name"])),
    ("csharp", "src/Models/User.cs",
     b"namespace Acme.Models;\n\npublic class User\n{\n    public string Name() { return \"x\"; }\n}\n",
     ("Acme.Models", ["Acme.Models.User", "Acme.Models.User.Name"])),
    ("csharp", "src/Outer.cs",
     b"namespace Acme\n{\n    namespace Inner\n    {\n        class Box { }\n    }\n}\n",
     ("Acme", ["Acme", "Acme.Inner", "Acme.Inner.Box"])),
    ("php", "src/Models/User.php",
     b"<?php\nnamespace Acme\\Models;\n\nclass User {\n    public function save() { return 1; }\n}\n",
     ("Acme.Models", ["Acme.Models", "Acme.Models.User", "Acme.Models.User.save"])),
    # No declaration: the path names the code, as for every other language.
    ("php", "lib/helpers.php", b"<?php\nfunction helper() { return 1; }\n", ("lib.helpers", ["lib.helpers.helper"])),
])
def test_declared_packages_and_namespaces_name_the_code(language, path, source, expected):
    parsed = parse_source(path, source, language)
    assert (parsed.module, [s.qualified_name for s in parsed.symbols]) == expected


def test_ruby_parameters_and_locals_are_not_calls():
    # The shipped tags count a bare identifier as a call "unless local": the grammar's locals.scm decides.
    source = b"""def greet(who, greeting = "hi", &blk)
  total = 0
  [1, 2].each { |item| total += item; shout }
  item
  format("%s %s", greeting, who) + total.to_s
end

def other
  who
end
"""
    calls = [(r.name, r.line) for r in parse_source("g.rb", source, "ruby").references if r.kind == "call"]
    # `item` after its block and `who` in another method are not locals there: Ruby reads them as calls.
    assert calls == [("each", 3), ("shout", 3), ("item", 4), ("format", 5), ("to_s", 5), ("who", 9)]
