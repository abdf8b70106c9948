; kenning's extra Java captures: imports, heritage, and the enum/record declarations tags.scm skips.
(import_declaration [(identifier) (scoped_identifier)] @import)
(superclass (_) @inherit)
(super_interfaces (type_list (_) @implement))
(extends_interfaces (type_list (_) @inherit))
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(constructor_declaration name: (identifier) @name) @definition.method
