; kenning's extra TypeScript and TSX captures (imports also from ecmascript-imports.scm):
; import = require, heritage, and the TS declarations tags.scm skips.
(import_require_clause (identifier) @import.alias source: (string (string_fragment) @import))
(extends_clause value: (_) @inherit)
(implements_clause (_) @implement)
(extends_type_clause type: (_) @inherit)
(enum_declaration name: (identifier) @name) @definition.enum
(type_alias_declaration name: (type_identifier) @name) @definition.type
(internal_module name: (identifier) @name) @definition.module
