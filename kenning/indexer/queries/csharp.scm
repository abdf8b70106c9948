; kenning's extra C# captures: usings, base types, bare calls, and declarations tags.scm skips.
(using_directive !name [(identifier) (qualified_name)] @import)
(using_directive name: (identifier) @import.alias [(identifier) (qualified_name)] @import)
; A base list does not say which entry is the class; all count as inheritance.
(base_list [(identifier) (qualified_name) (generic_name)] @inherit)
(namespace_declaration name: (qualified_name) @name) @definition.module
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(constructor_declaration name: (identifier) @name) @definition.method
(invocation_expression function: (identifier) @name) @reference.call
