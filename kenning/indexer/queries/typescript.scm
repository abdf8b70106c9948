; kenning's extra TypeScript captures: imports, heritage, and the TS declarations tags.scm skips.
(import_statement source: (string (string_fragment) @import))
(import_require_clause (identifier) @import.alias source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
((call_expression
   function: (identifier) @_require
   arguments: (arguments . (string (string_fragment) @import)))
 (#eq? @_require "require"))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @import)))
(extends_clause value: (_) @inherit)
(implements_clause (_) @implement)
(extends_type_clause type: (_) @inherit)
(enum_declaration name: (identifier) @name) @definition.enum
(type_alias_declaration name: (type_identifier) @name) @definition.type
(internal_module name: (identifier) @name) @definition.module
