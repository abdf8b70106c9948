; kenning's extra Go captures: imports, embedded types, and struct/interface kinds.
(import_spec !name path: (_) @import)
(import_spec name: (package_identifier) @import.alias path: (_) @import)
(import_spec name: [(blank_identifier) (dot)] path: (_) @import)
; An embedded field has a type but no name: Go's form of inheritance.
(field_declaration !name type: [(type_identifier) (qualified_type)] @inherit)
(field_declaration !name type: (generic_type type: (_) @inherit))
(interface_type (type_elem . [(type_identifier) (qualified_type)] @inherit .))
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
