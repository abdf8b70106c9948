"""The derived code index: SQLite (schema, FTS5, search tables, audit log) and the vectors in Chroma.

Disposable: everything here is rebuilt from the source tree (`kenning index --full`). The only
package that holds a database connection; project memory (kenning/memory/) is the committed truth.
"""
