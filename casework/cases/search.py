"""Full-text case search: the text a case is found by, kept in the step's transaction, and the query.

A case is found by its Aktenzeichen, its process's name and the facts a designer labelled for it
(what every page of the case shows, formatted as people read them) -- never by raw variables or
individual ballots. The text is folded so that case, umlauts and ß do not matter: ``Müller`` is
stored as ``muller mueller``, so "Muller", "Müller" and "Mueller" all find it. The database's own
engine searches it: SQLite's FTS5 with the trigram tokenizer (parts of words), PostgreSQL a German
``tsvector`` (word forms: "Berufungen" finds "Berufung") or its trigram index (parts of words).
Beside the text, each row holds copies of the case's organisation, visibility and start, so that a
search tests who may see a hit and sorts the hits on this one table (``find``).
Imports the engine's records, the presentation and the base modules only.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from casework.cases.direct import Direct
from casework.cases.steps import StepWritten
from casework.engine import ProcessModel
from casework.presentation import ShownFact, present
from casework.unit_of_work import after_commit, unit_of_work
from models import CaseSearch, ProcessDefinition, ProcessInstance

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
# FTS5's trigram tokenizer matches terms of three characters or more; shorter ones are read with LIKE
TRIGRAM = 3
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
# a search tells how many cases it found up to this many, then "more than 1,000"
TOTAL_CAP = 1000
_CUSTOM_PLANS = sa.text("SET plan_cache_mode = force_custom_plan")
_ANY_PLANS = sa.text("RESET plan_cache_mode")
# the instance row's organisation, visibility and start are copied beside the text (they never change)
_UPSERT = Direct(sa.text(
    "INSERT INTO case_search (instance_id, body, organisation_id, visibility, started_at) "
    "SELECT id, :body, organisation_id, visibility, started_at FROM process_instances WHERE id = :instance_id "
    "ON CONFLICT (instance_id) DO UPDATE SET body = excluded.body, organisation_id = excluded.organisation_id, "
    "visibility = excluded.visibility, started_at = excluded.started_at"
))


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


@dataclass(frozen=True)
class Found:
    """A page of found case ids, newest first; ``total`` stops at TOTAL_CAP, ``capped`` says there are more."""

    ids: tuple[str, ...]
    total: int
    capped: bool


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
        _UPSERT.execute(written.session.connection(), {"instance_id": loaded.id, "body": text})
        after_commit(written.session, lambda: self._remember(loaded.id, text))

    def _remember(self, instance_id: str, text: str) -> None:
        self._written[instance_id] = text
        self._written.move_to_end(instance_id)
        while len(self._written) > self._remembered:
            self._written.popitem(last=False)


def _hits(dialect: str, terms: list[str], frequent: bool) -> Any:
    """A select of CaseSearch.instance_id whose text holds every term (as a part, or on PostgreSQL also
    as a word form). ``frequent``: the terms are known to find more than TOTAL_CAP cases."""
    body: Any = CaseSearch.body
    parts = [body.like(_contains(t), escape="\\") for t in terms]
    if dialect == "sqlite":
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if frequent or not long_terms:
            # the newest cases read in order (ix_case_search_started), each text tested with LIKE: for a
            # frequent word the page is full after a few rows, where FTS5 would first list every hit
            return sa.select(CaseSearch.instance_id).where(*parts)
        # FTS5 streams its hits into the join, so a count that stops at TOTAL_CAP stops early; each term
        # a phrase: FTS5 syntax characters inside it are quoted, never interpreted
        phrase = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        fts = sa.table("case_search_fts", sa.column("rowid"))
        return (
            sa.select(CaseSearch.instance_id)
            .select_from(fts)
            .join(CaseSearch, CaseSearch.id == fts.c.rowid)
            .where(sa.literal_column("case_search_fts").op("MATCH")(sa.bindparam("phrase", phrase)),
                   *[p for t, p in zip(terms, parts, strict=True) if len(t) < TRIGRAM])
        )
    # the text is folded to lower case, so a plain LIKE (three times cheaper than ILIKE) finds a part;
    # the trigram index answers every term in one bitmap scan, and the planner reads the newest cases
    # in order instead when a term is frequent. Word forms ("Berufungen" finds "Berufung") for a plain
    # word come from the tsvector index, OR-ed into the same scan
    return sa.select(CaseSearch.instance_id).where(*(
        sa.or_(part, _word_form(term)) if term.isalpha() else part for term, part in zip(terms, parts, strict=True)
    ))


def _word_form(term: str) -> Any:
    """The text holds a word of ``term``'s stem. The German stemmer only cuts endings off a folded
    word, so the text also holds the stem as a part: tested first (the trigram index, or a cheap
    LIKE on a row read anyway), it spares the word test on every row that cannot match."""
    lexemes: Any = sa.func.ts_lexize(sa.literal_column("'german_stem'::regdictionary"), term,
                                     type_=postgresql.ARRAY(sa.Text))
    stem = sa.select(lexemes[1]).scalar_subquery()  # computed once per statement; NULL for a stop word
    return sa.and_(CaseSearch.body.like(sa.literal("%") + stem + "%"),
                   sa.column("words").op("@@")(sa.func.to_tsquery("german", term)))


def find(session: sa.orm.Session, terms: list[str], visible: Any, filters: list[Any],
         page: int, per_page: int) -> Found:
    """One page of the ids of the visible cases whose text holds every term, newest first, and how
    many there are up to TOTAL_CAP (counting every hit of a frequent word would cost more than the page).

    ``visible`` is a condition on CaseSearch (its copies of organisation and visibility); ``filters``
    are conditions on ProcessInstance (status, process, Aktenzeichen), joined only when given.
    """
    dialect = session.get_bind().dialect.name
    if dialect != "postgresql":
        return _find(session, dialect, terms, visible, filters, page, per_page)
    # psycopg prepares a statement run five times; PostgreSQL then plans it once for any words (a
    # "generic plan") and read all 100,000 hits of a word in every case through the index. Planned for
    # the words at hand, a search reads what its page needs. Reads run outside a transaction
    # (casework.unit_of_work), so the setting is the connection's until it is reset
    session.execute(_CUSTOM_PLANS)
    try:
        return _find(session, "postgresql", terms, visible, filters, page, per_page)
    finally:
        with contextlib.suppress(sa.exc.DBAPIError):  # an aborted transaction takes the setting back
            session.execute(_ANY_PLANS)


def _find(session: sa.orm.Session, dialect: str, terms: list[str], visible: Any, filters: list[Any],
          page: int, per_page: int) -> Found:
    def hits(frequent: bool) -> Any:
        found = _hits(dialect, terms, frequent).where(visible)
        if filters:
            found = found.join(ProcessInstance, ProcessInstance.id == CaseSearch.instance_id).where(*filters)
        return found

    # one statement gathers up to TOTAL_CAP + 1 hits, counts and sorts them: with at most TOTAL_CAP
    # that is the page (the planner, guessing the words of "Sabine Müller" independent, would read
    # 40,000 cases newest first instead)
    first = (page - 1) * per_page
    gathered = hits(False).add_columns(CaseSearch.started_at).limit(TOTAL_CAP + 1).cte("hits")
    counted = sa.select(sa.func.count()).select_from(gathered).scalar_subquery()
    rows = session.execute(
        sa.select(gathered.c.instance_id, counted.label("total"))
        .order_by(gathered.c.started_at.desc(), gathered.c.instance_id).limit(per_page).offset(first)
    ).all()
    total = rows[0].total if rows else _count(session, gathered) if page > 1 else 0
    if total <= TOTAL_CAP:
        return Found(ids=tuple(r.instance_id for r in rows), total=total, capped=False)
    # more: the page is read newest first, which a frequent word fills after a few cases
    ids = session.scalars(
        hits(True).order_by(CaseSearch.started_at.desc(), CaseSearch.instance_id).limit(per_page).offset(first)
    ).all()
    return Found(ids=tuple(ids), total=TOTAL_CAP, capped=True)


def _count(session: sa.orm.Session, gathered: Any) -> int:
    """The hits of a page past the last one: none shown, but the total still told."""
    return session.scalar(sa.select(sa.func.count()).select_from(gathered)) or 0


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
                    _UPSERT.execute(session.connection(), {"instance_id": row.id, "body": text})
            if not rows:
                return done
            done, after = done + len(rows), rows[-1].id
