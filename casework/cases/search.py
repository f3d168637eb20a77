"""Full-text case search: the text a case is found by, kept in the step's transaction, and the query.

A case is found by its Aktenzeichen, its process's name and the facts a designer labelled for it
(what every page of the case shows, formatted as people read them) -- never by raw variables or
individual ballots. The text is folded so that case, umlauts and ß do not matter: ``Müller`` is
stored as ``muller mueller``, so "Muller", "Müller" and "Mueller" all find it. The database's own
engine searches it: SQLite's FTS5 with the trigram tokenizer (parts of words), PostgreSQL a German
``tsvector`` (word forms: "Berufungen" finds "Berufung") or its trigram index (parts of words).
Imports the engine's records, the presentation and the base modules only.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from casework.cases.steps import StepWritten
from casework.engine import ProcessModel
from casework.presentation import ShownFact, present
from casework.unit_of_work import after_commit, unit_of_work
from models import ProcessDefinition, ProcessInstance

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
# FTS5's trigram tokenizer matches terms of three characters or more; shorter ones are read with LIKE
TRIGRAM = 3
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_UPSERT = sa.text(
    "INSERT INTO case_search (instance_id, body) VALUES (:instance_id, :body) "
    "ON CONFLICT (instance_id) DO UPDATE SET body = excluded.body"
)


def _plain(text: str) -> str:
    """Lower case without accents (ß becomes ss through casefold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """The indexed form of ``text``: folded plain, plus the spelled-out umlauts where they differ."""
    plain, spelled = _folded(text)
    return plain if spelled == plain else f"{plain}\n{spelled}"


@functools.lru_cache(maxsize=8192)
def _folded(text: str) -> tuple[str, str]:
    """``text`` folded plain and with the umlauts spelled out. Both fold character by character, so
    the parts of a text fold to the parts of its folded form: the parts a step repeats (the
    process name, facts that did not change) are folded once (bench/engine.py)."""
    low = text.casefold()
    return _plain(low), _plain(low.translate(_SPELLED))


def query_terms(query: str | None) -> list[str]:
    """The search words of ``query`` in their folded form (at most eight, each at most 100 characters)."""
    if not query:
        return []
    words = [_plain(word.casefold())[:MAX_TERM_LENGTH] for word in query.split()]
    return [w for w in words if w][:MAX_TERMS]


def _fact_texts(shown: Iterable[ShownFact]) -> Iterator[str]:
    for fact in shown:
        if fact.text:
            yield fact.text
        yield from fact.items
        for row in fact.rows:
            yield from row


def case_text(model: ProcessModel, business_key: str | None, variables: dict[str, Any]) -> str:
    """What a case is found by: Aktenzeichen, process name and its labelled facts, folded."""
    facts = present(model.facts, variables, model.options, {}, "de")
    parts = [business_key or "", model.name, *_fact_texts(facts)]
    folded = [_folded(p) for p in parts if p]
    plain = "\n".join(f[0] for f in folded)
    spelled = "\n".join(f[1] for f in folded)
    return plain if spelled == plain else f"{plain}\n{spelled}"


class CaseIndex:
    """Step listener: rewrites a case's searchable text when its step changed it."""

    def __init__(self, remembered: int = 4096) -> None:
        # the text last written per case, so a step that changes no fact writes nothing
        self._written: OrderedDict[str, str] = OrderedDict()
        self._remembered = remembered

    def __call__(self, written: StepWritten) -> None:
        loaded = written.loaded
        text = case_text(loaded.model, loaded.business_key, written.snapshot.variables)
        if loaded.lock_version != 0 and self._written.get(loaded.id) == text:
            return
        written.session.connection().execute(_UPSERT, {"instance_id": loaded.id, "body": text})
        after_commit(written.session, lambda: self._remember(loaded.id, text))

    def _remember(self, instance_id: str, text: str) -> None:
        self._written[instance_id] = text
        self._written.move_to_end(instance_id)
        while len(self._written) > self._remembered:
            self._written.popitem(last=False)


def matching_instances(dialect: str, terms: list[str]) -> Any:
    """A select of the ids of the cases whose text holds every term (as a word form or a part)."""
    table = sa.table("case_search", sa.column("id"), sa.column("instance_id"), sa.column("body"))
    conditions: list[Any] = []
    if dialect == "sqlite":
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if long_terms:
            # each term a phrase: FTS5 syntax characters inside it are quoted, never interpreted
            phrase = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            fts = sa.text("SELECT rowid FROM case_search_fts WHERE case_search_fts MATCH :phrase").bindparams(
                phrase=phrase
            )
            conditions.append(table.c.id.in_(fts.columns(sa.column("rowid"))))
        conditions += [table.c.body.like(_contains(t), escape="\\") for t in terms if len(t) < TRIGRAM]
    else:
        words: Any = sa.column("words")
        for term in terms:
            # a union, not an OR: each half is planned on its own index (an OR made the planner scan)
            found: Any = sa.select(table.c.instance_id).where(table.c.body.ilike(_contains(term), escape="\\"))
            # word forms ("Berufungen" finds "Berufung") for a plain word; parts of words and file
            # references are the trigram index's (a prefix tsquery cost more than it found)
            if term.isalpha():
                stemmed = sa.func.to_tsquery("german", term)
                found = sa.union(found, sa.select(table.c.instance_id).where(words.op("@@")(stemmed)))
            conditions.append(found)
        # every term must match: the intersection of each term's cases
        return conditions[0] if len(conditions) == 1 else sa.intersect(*conditions)
    return sa.select(table.c.instance_id).where(*conditions)


def _contains(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SearchService:
    """Rebuilds the search text of every case, e.g. after an upgrade or a changed presentation."""

    def __init__(self, repository: Any) -> None:
        self.repository = repository

    def reindex(self, batch: int = 500) -> int:
        """Rewrites the text of every case from its stored variables; returns how many."""
        done, after = 0, ""
        while True:
            with unit_of_work() as session:
                rows = session.execute(
                    sa.select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.variables,
                              ProcessInstance.definition_id, ProcessInstance.process_key,
                              ProcessDefinition.content_hash)
                    .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                    .where(ProcessInstance.id > after).order_by(ProcessInstance.id).limit(batch)
                ).all()
                for row in rows:
                    model = self.repository.cache.get(session, row.definition_id, row.content_hash, row.process_key)
                    text = case_text(model, row.business_key, row.variables or {})
                    session.connection().execute(_UPSERT, {"instance_id": row.id, "body": text})
            if not rows:
                return done
            done, after = done + len(rows), rows[-1].id
