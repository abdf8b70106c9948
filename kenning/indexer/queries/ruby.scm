; kenning's extra Ruby captures: requires, superclasses and mixins.
((call
   method: (identifier) @_require
   arguments: (argument_list . (string . (string_content) @import .)))
 (#any-of? @_require "require" "require_relative"))
(superclass [(constant) (scope_resolution)] @inherit)
((call
   method: (identifier) @_mixin
   arguments: (argument_list [(constant) (scope_resolution)] @implement))
 (#any-of? @_mixin "include" "extend" "prepend"))
