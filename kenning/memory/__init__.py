"""Project memory, the committed source of truth: decisions, tasks and session handoffs as Markdown files.

Safe writes (atomic, locked, hand-edit aware), ADR import, and a rebuildable SQLite cache of the files
for fast lists and search. Independent of the derived code index (kenning/store/).
"""
