"""What a symbol is embedded as, and the hash its vector is cached and stored under.

Text composition, not the model: the index's search rows are computed from it in the indexer's
workers, which never load the model (kenning/embedding/).
"""

from __future__ import annotations

import hashlib
import re

from kenning.store.lexical import words as words_of

TEXT_LIMIT = 700  # characters: a backstop for long signatures and summaries
TEXT_WORDS = 48  # code words after the signature
TEXT_WORDS_WITH_SUMMARY = 16  # with a summary, code words would drown it (the model averages word pieces)
DOCSTRING_CHARS = 4000  # of a docstring whose words are left out of the code words
_SPACES = re.compile(r"\s+")


def embedding_text(signature: str, docstring: str, code_words: str) -> str:
    """What a symbol is embedded as: its signature, the first paragraph of its docstring, then the
    words of its code (`lexical.body_terms`: split identifiers, each once, in first-use order, its
    own name's words first, which helps: a name as written is one odd run of word pieces), less
    those of its docstring.

    Code as written spends most of the model's word pieces on punctuation, `self.` and repeats; its
    distinct words carry what it is about in about half the pieces (37 against 69 per symbol on the
    search benchmark's corpus), at the same dense-only quality (docs/benchmarks.md, "Embedded text")."""
    summary = _SPACES.sub(" ", docstring.strip().split("\n\n", 1)[0])[:300]
    code = code_words.split()
    if summary:  # the docstring's own words come first in the code's; the summary has said them
        documented = words_of(docstring[:DOCSTRING_CHARS])
        code = [word for word in code if word not in documented]
    code = code[:TEXT_WORDS_WITH_SUMMARY if summary else TEXT_WORDS]
    text = " ".join(part for part in (signature, summary, " ".join(code)) if part)
    return _SPACES.sub(" ", text).strip()[:TEXT_LIMIT]


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
