; kenning's extra C++ captures: includes, base classes, calls, and whole function definitions
; (tags.scm marks only the declarator, which would leave the body outside the symbol).
(preproc_include path: [(string_literal (string_content) @import) (system_lib_string) @import])
(base_class_clause [(type_identifier) (qualified_identifier) (template_type)] @inherit)
(function_definition declarator: (function_declarator
  declarator: [(identifier) (field_identifier)] @name)) @definition.function
(function_definition declarator: (_ declarator: (function_declarator
  declarator: [(identifier) (field_identifier)] @name))) @definition.function
; `void Greeter::greet() {..}` outside its class: the scope names the owner.
(function_definition declarator: (function_declarator
  declarator: (qualified_identifier scope: (_) @local.scope name: (identifier) @name))) @definition.method
(function_definition declarator: (_ declarator: (function_declarator
  declarator: (qualified_identifier scope: (_) @local.scope name: (identifier) @name)))) @definition.method
(namespace_definition name: (namespace_identifier) @name) @definition.module
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call
(call_expression function: (template_function name: (identifier) @name)) @reference.call
; Prototypes: the whole declaration, so the signature keeps its return type.
(declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(declaration declarator: (_ declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.function
(field_declaration declarator: (_ declarator: (function_declarator declarator: (field_identifier) @name))) @definition.function
