; kenning's extra PHP captures: `use` imports, require/include, heritage, and bare calls.
(namespace_use_declaration (namespace_use_clause . [(name) (qualified_name)] @import !alias))
(namespace_use_declaration (namespace_use_clause
  . [(name) (qualified_name)] @import alias: (name) @import.alias))
(namespace_use_declaration (namespace_name) @import.from
  body: (namespace_use_group (namespace_use_clause . (name) @import.name !alias)))
(namespace_use_declaration (namespace_name) @import.from
  body: (namespace_use_group (namespace_use_clause . (name) @import.name alias: (name) @import.alias)))
; In `require __DIR__ . "/x.php"` the literal part is the best guess at the path.
(require_expression [(string) @import (encapsed_string) @import
  (binary_expression right: [(string) (encapsed_string)] @import)])
(require_once_expression [(string) @import (encapsed_string) @import
  (binary_expression right: [(string) (encapsed_string)] @import)])
(include_expression [(string) @import (encapsed_string) @import
  (binary_expression right: [(string) (encapsed_string)] @import)])
(include_once_expression [(string) @import (encapsed_string) @import
  (binary_expression right: [(string) (encapsed_string)] @import)])
(base_clause [(name) (qualified_name)] @inherit)
(class_interface_clause [(name) (qualified_name)] @implement)
(use_declaration [(name) (qualified_name)] @implement)
(function_call_expression function: (name) @name) @reference.call
(object_creation_expression (name) @name) @reference.class
