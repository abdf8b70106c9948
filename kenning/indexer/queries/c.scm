; kenning's extra C captures: includes, calls, and whole function definitions (tags.scm marks
; only the declarator, which would leave the body outside the symbol).
(preproc_include path: [(string_literal (string_content) @import) (system_lib_string) @import])
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(function_definition declarator: (_ declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
; Prototypes: the whole declaration, so the signature keeps its return type.
(declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(declaration declarator: (_ declarator: (function_declarator declarator: (identifier) @name))) @definition.function
