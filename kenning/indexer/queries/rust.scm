; kenning's extra Rust captures: `use` paths, implemented traits and supertraits, path calls.
(use_declaration argument: [(identifier) (scoped_identifier)] @import)
(use_declaration argument: (use_as_clause path: (_) @import alias: (identifier) @import.alias))
(use_declaration argument: (use_wildcard [(identifier) (scoped_identifier)] @import))
(use_declaration argument: (scoped_use_list
  path: (_) @import.from
  list: (use_list [(identifier) (scoped_identifier)] @import.name)))
(use_declaration argument: (scoped_use_list
  path: (_) @import.from
  list: (use_list (use_as_clause path: (_) @import.name alias: (identifier) @import.alias))))
(impl_item trait: (_) @implement)
(trait_item bounds: (trait_bounds [(type_identifier) (scoped_type_identifier) (generic_type)] @inherit))
; `Greeter::new()`: the shipped tags only see plain and method calls.
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
