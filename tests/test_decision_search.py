"""Decision search by words and meaning, with the real model, real Chroma and real memory files."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from search_corpus import open_service

from kenning.store.embedded_text import TEXT_LIMIT
from kenning.service import Service
from kenning.service.decision_search import OFF_NOTE, decision_text
from kenning.settings import Settings

DECISIONS = [
    ("Use SQLite in WAL mode for the code index",
     "One file and no server; readers never block the writer.", "The index must work offline on a laptop."),
    ("Keep memory as Markdown with YAML front matter",
     "Decisions and tasks are plain files committed with the code.", "Humans review them in pull requests."),
    ("Retry HTTP requests with exponential backoff",
     "Wait 1, 2, 4 seconds between attempts, at most five.", "The upstream API rate-limits bursts."),
    ("Type-check with mypy in CI",
     "Every pull request runs mypy --strict.", "Bugs reached production that types would catch."),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = open_service(tmp_path_factory.mktemp("decision-search"), embed_on_index=True)
    for title, decision, context in DECISIONS:
        service.add_decision(title, context, decision)
    yield service
    service.close()


def ids(hits) -> list[str]:
    return [d.id for d, _ in hits]


def titled(service: Service, title: str) -> str:
    return next(d.id for d in service.list_decisions() if d.title == title)


def stored_vectors(service: Service) -> int:
    return service.decision_search._vectors.count()


def cached_vectors(service: Service) -> int:
    model = service.search_parts.embedder.key
    return service.store.conn.execute("SELECT COUNT(*) FROM embedding_cache WHERE model = ?", (model,)).fetchone()[0]


def test_a_question_finds_the_decision_it_is_about(service):
    sqlite = titled(service, DECISIONS[0][0])
    hits = service.search_decisions("which database do we store the index in", limit=3)
    assert ids(hits)[0] == sqlite
    assert "dense #1" in hits.why[sqlite] and hits.note is None
    assert stored_vectors(service) == len(DECISIONS)


def test_a_query_with_no_word_in_common_is_found_by_meaning(service):
    mypy = titled(service, DECISIONS[3][0])
    hits = service.search_decisions("static typing policy", limit=3)
    assert ids(hits)[0] == mypy and hits.why[mypy].startswith("dense #1")
    assert "lexical" not in hits.why[mypy]


def test_words_still_find_decisions_and_unrelated_queries_find_none(service):
    hits = service.search_decisions("backoff")
    retry = titled(service, DECISIONS[2][0])
    assert ids(hits)[0] == retry and hits.why[retry].startswith("lexical #1")
    # Meaning has a floor: a query about nothing recorded returns nothing, not the nearest four.
    assert service.search_decisions("chocolate cake recipe") == []


def test_an_edited_decision_is_re_embedded_and_found_by_its_new_meaning(service):
    made = service.add_decision("Cache rendered pages for ten minutes", "Rendering is slow.",
                                "Pages are kept in memory after the first request.")
    assert ids(service.search_decisions("how long are cached pages kept", limit=2))[0] == made.id
    cached_before = cached_vectors(service)

    path = service.root / made.path  # edited by hand, as a human would
    text = path.read_text()
    for old, new in [("Cache rendered pages for ten minutes", "Send logs to stderr as JSON lines"),
                     ("Pages are kept in memory after the first request.", "Each log record is one JSON object."),
                     ("Rendering is slow.", "Operators read logs with jq.")]:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)

    hits = service.search_decisions("where does logging output go", limit=2)
    assert ids(hits)[0] == made.id and hits.why[made.id].startswith("dense #1")
    assert made.id not in ids(service.search_decisions("how long are cached pages kept"))
    # Only the edited text was encoded (a cache miss); its old vector left the store.
    assert cached_vectors(service) == cached_before + 1
    assert stored_vectors(service) == len(service.list_decisions())


def test_a_deleted_decision_disappears(service):
    made = service.add_decision("Deploy with blue green switching", "Downtime during releases hurt users.",
                                "Two identical environments; the router flips between them.")
    assert ids(service.search_decisions("how do we deploy", limit=1)) == [made.id]
    os.remove(service.root / made.path)
    assert made.id not in ids(service.search_decisions("how do we deploy"))
    assert made.id not in ids(service.search_decisions("blue green"))
    assert stored_vectors(service) == len(service.list_decisions())


def test_status_filter_applies_to_meaning_too(service):
    mypy = titled(service, DECISIONS[3][0])
    assert service.search_decisions("static typing policy", status="proposed") == []
    assert ids(service.search_decisions("static typing policy", status="accepted"))[0] == mypy


def test_without_embedding_search_uses_words_and_says_so(tmp_path):
    off = Service.from_settings(Settings.load(tmp_path))  # the suite's default: embed_on_index = false
    made = off.add_decision(*DECISIONS[3])
    hits = off.search_decisions("mypy")
    assert ids(hits) == [made.id] and hits.note == OFF_NOTE
    assert off.search_decisions("static typing policy") == []
    assert not off.search_parts.embedder.loaded


def test_a_model_that_cannot_load_falls_back_to_words(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # an unknown name must fail here, not try the network
    broken = Service.from_settings(Settings.load(tmp_path, embed_on_index=True, model="no-such-kenning-model"))
    made = broken.add_decision(*DECISIONS[2])
    hits = broken.search_decisions("exponential backoff")
    assert ids(hits) == [made.id]
    assert "semantic search unavailable" in hits.note and "no-such-kenning-model" in hits.note


def test_the_embedded_text_leads_with_title_then_decision_and_is_capped(service):
    made = service.decision(titled(service, DECISIONS[1][0]))
    assert decision_text(made).startswith(
        "Keep memory as Markdown with YAML front matter. Decisions and tasks are plain files")
    assert len(decision_text(replace(made, context="word " * 1_000))) == TEXT_LIMIT


def test_embed_gives_new_decisions_their_vectors_before_any_search(service):
    made = service.add_decision("Pin the CI runner image by digest", "Image updates broke builds.",
                                "The CI config names the image by sha256 digest.")
    cached_before = cached_vectors(service)
    result = service.embed()
    assert result["decisions_encoded"] == 1
    assert cached_vectors(service) == cached_before + 1
    assert stored_vectors(service) == len(service.list_decisions())
    assert service.embed()["decisions_encoded"] == 0  # nothing new: nothing encoded
    hits = service.search_decisions("CI runner image digest", limit=1)
    assert ids(hits) == [made.id] and cached_vectors(service) == cached_before + 1
