"""Near-copy comparison: what a reformatter or one edit changes must not hide a copy."""

from __future__ import annotations

import pytest
from search_corpus import exists_top, function_source, renamed, shared_service

from kenning.indexer.fingerprint import shape, tokenize
from kenning.store import minhash
from kenning.service.fusion import ranked_scores

_NAMES = "alpha beta gamma delta epsilon zeta eta theta".split()
KEYWORD_ARGUMENTS = (f"def configure(self, *, {', '.join(f'{n}=None' for n in _NAMES)}):\n"
                     + "".join(f"    self.{n} = {n}\n" for n in _NAMES))


def _shape(code: str) -> str:
    return shape(tokenize(code.encode(), "hash").tokens)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return shared_service(tmp_path_factory)


def test_grouping_parentheses_do_not_change_the_comparison():
    plain = _shape("def pair(a, b):\n    for k, v in a:\n        b[k] = v\n    return a, b\n")
    grouped = _shape("def pair(a, b):\n    for (k, v) in a:\n        b[k] = v\n    return (a, b)\n")
    assert plain != grouped
    assert minhash.comparable_tokens(plain) == minhash.comparable_tokens(grouped)


def test_one_added_statement_in_repetitive_code_stays_a_near_copy():
    # Eight `x=None` / `self.x = x` pairs make few distinct shingles; counted as a set, one new
    # statement would weigh as much as several of them.
    edited = KEYWORD_ARGUMENTS.replace("    self.alpha", "    self.calls = [alpha, beta]\n    self.alpha", 1)
    original, copy = _shape(KEYWORD_ARGUMENTS), _shape(edited)
    counted, counted_copy = minhash.comparable_shingles(original), minhash.comparable_shingles(copy)
    assert minhash.multiset_jaccard(counted, counted_copy) >= 0.85
    distinct, distinct_copy = set(counted), set(counted_copy)
    assert len(distinct & distinct_copy) / len(distinct | distinct_copy) < 0.75


def test_a_copy_with_extra_parentheses_is_an_exact_match(service):
    source = function_source(service.root, "textwrap.py", "shorten")
    probe = renamed(source, {"shorten": "abbreviate", "text": "s", "w": "wrapper"})
    probe = probe.replace("return wrapper", "return (wrapper", 1).rstrip() + ")\n"
    exists_top(service, probe, "exists", "textwrap.shorten", "structural-exact")


def test_a_renamed_copy_with_one_statement_removed_is_found_first(service):
    source = function_source(service.root, "shlex.py", "split")
    probe = renamed(source, {"split": "tokens_of", "s": "line", "lex": "scanner"})
    assert "    scanner .whitespace_split =True \n" in probe
    probe = probe.replace("    scanner .whitespace_split =True \n", "", 1)
    exists_top(service, probe, None, "shlex.split")


def test_a_statement_added_to_a_one_line_function_still_finds_it_first(service):
    # Ten new tokens in front of a 13-token body leave few of its shingles (Jaccard ~0.3), but every
    # token of the original is still there, in order, around one inserted run.
    source = function_source(service.root, "shlex.py", "join")
    header, docstring, body = source.split("\n", 2)
    assert docstring.strip().startswith('"""') and body.startswith("    return ")
    probe = renamed(f"{header}\n    calls = calls + 1\n{body}", {"join": "quoted_line", "split_command": "parts"})
    exists_top(service, probe, "similar", "shlex.join")


def test_search_ranking_demotes_data_and_puts_an_exact_name_first():
    lists = {"lexical": ["LIMIT", "trim", "pad"], "dense": ["LIMIT", "trim", "pad"]}
    kinds = {"LIMIT": "constant", "trim": "function", "pad": "function"}
    scores = ranked_scores(lists, kinds)
    assert sorted(scores, key=scores.get, reverse=True) == ["trim", "pad", "LIMIT"]
    scores = ranked_scores(lists, kinds, exact=["pad"])
    assert max(scores, key=scores.get) == "pad"
