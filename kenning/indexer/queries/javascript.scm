; kenning's extra JavaScript captures (imports come from ecmascript-imports.scm): superclasses.
(class_heritage (_) @inherit)
