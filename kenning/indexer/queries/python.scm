; kenning's extra Python captures: imports and base classes (the shipped tags.scm has neither).
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import alias: (identifier) @import.alias))
(import_from_statement module_name: (_) @import.from name: (dotted_name) @import.name)
(import_from_statement module_name: (_) @import.from
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias))
(import_from_statement module_name: (_) @import.from (wildcard_import))
(class_definition superclasses: (argument_list [(identifier) (attribute)] @inherit))
; Blocks whose dependencies the module does not have when imported (see dependency_contexts.py):
; `if TYPE_CHECKING:` / `if typing.TYPE_CHECKING:` runs only for type checkers, `if __name__ == "__main__":`
; only when the file runs as a program. The `else` branch is ordinary code, so only the consequence counts.
(if_statement condition: (identifier) @_flag consequence: (block) @context.type (#eq? @_flag "TYPE_CHECKING"))
(if_statement condition: (attribute attribute: (identifier) @_flag) consequence: (block) @context.type
  (#eq? @_flag "TYPE_CHECKING"))
(if_statement condition: (comparison_operator (identifier) @_name "==" (string) @_main) consequence: (block) @context.main
  (#eq? @_name "__name__") (#match? @_main "^[\"']__main__[\"']$"))
(if_statement condition: (comparison_operator (string) @_main "==" (identifier) @_name) consequence: (block) @context.main
  (#eq? @_name "__name__") (#match? @_main "^[\"']__main__[\"']$"))
