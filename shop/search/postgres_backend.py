"""The PostgreSQL backend: full-text search with `unaccent`, shared by every app server.

Documents live in `product_search`, written in the same transaction as the catalogue change
(see hooks.py), so there is no separate index to keep in sync. Words are matched through the
`vietnamese_folded` text search configuration (unaccent, then simple), so "ca phe" matches
"Cà phê" and đ folds to d; a second, unfolded vector ranks exact-diacritic matches first.
Misspelt words are corrected against `search_terms` by edit distance (fuzzystrmatch).
Autocomplete reads narrow copies of the names (`search_suggestions`, one row per product, and
`search_producer_suggestions`, one per producer), written with `product_search` in the same
transaction, rather than prefix queries on the wide documents.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from shop.extensions import db
from shop.search.base import (
    FEW_RESULTS,
    FIELD_WEIGHTS,
    SUGGEST_DISTANCE,
    TYPO_DISTANCE,
    SearchQuery,
    SearchResult,
    Suggestion,
    Terms,
    price_band,
)
from shop.search.joined import Plan, plan, vocabulary_terms, with_pairs
from shop.search.models import (
    ProductSearch,
    SearchProducerSuggestion,
    SearchSuggestion,
    SearchTerm,
)

CONFIG = "vietnamese_folded"
_TERM = re.compile(r"[a-z0-9]+")

INSTALL_SQL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION {CONFIG}
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
                WITH unaccent, simple;
        END IF;
    END $$""",
)

# Field weights map onto tsvector weights A-D; ts_rank's weight array is {D, C, B, A}.
_RELATIVE = [
    FIELD_WEIGHTS[field] / FIELD_WEIGHTS["name"]
    for field in ("description", "context", "producer", "name")
]
RANK_WEIGHTS = "{" + ",".join(f"{w:.3f}" for w in _RELATIVE) + "}"
EXACT_BONUS = FIELD_WEIGHTS["name_exact"] / FIELD_WEIGHTS["name"]
PHRASE_BONUS = 2.0  # a pair of adjacent query words the index holds joined (a phrase)

_UPSERT = sa.text(
    f"""
    INSERT INTO product_search (product_id, document, name_exact, name, slug, producer_name,
        producer_slug, stars, product_set, group_code, province, price_min, price_band,
        created_at, valid_until)
    VALUES (:id,
        setweight(to_tsvector('{CONFIG}', :name_words), 'A')
          || setweight(to_tsvector('{CONFIG}', :producer_words), 'B')
          || setweight(to_tsvector('{CONFIG}', :context_words), 'C')
          || setweight(to_tsvector('{CONFIG}', :description), 'D'),
        to_tsvector('simple', :name), :name, :slug, :producer, :producer_slug, :stars,
        :product_set, :group, :province, :price_min, :price_band, :created, :valid_until)
    ON CONFLICT (product_id) DO UPDATE SET
        document = EXCLUDED.document, name_exact = EXCLUDED.name_exact, name = EXCLUDED.name,
        slug = EXCLUDED.slug, producer_name = EXCLUDED.producer_name,
        producer_slug = EXCLUDED.producer_slug, stars = EXCLUDED.stars,
        product_set = EXCLUDED.product_set, group_code = EXCLUDED.group_code,
        province = EXCLUDED.province, price_min = EXCLUDED.price_min,
        price_band = EXCLUDED.price_band, created_at = EXCLUDED.created_at,
        valid_until = EXCLUDED.valid_until
    """
)

_SUGGESTION_UPSERT = sa.text(
    f"""
    INSERT INTO search_suggestions (product_id, name, slug, words, valid_until)
    VALUES (:id, CAST(:name AS text), :slug,
        to_tsvector('{CONFIG}', CAST(:name_words AS text)), :valid_until)
    ON CONFLICT (product_id) DO UPDATE SET
        name = EXCLUDED.name, slug = EXCLUDED.slug, words = EXCLUDED.words,
        valid_until = EXCLUDED.valid_until
    """
)

# A producer's autocomplete row follows its indexed products: valid until the latest of them,
# gone with the last. Concurrent writers of one producer's products take turns (an advisory
# lock per slug, in slug order), so each recomputes from what the other committed.
_PRODUCER_LOCK = sa.text(
    "SELECT pg_advisory_xact_lock(hashtext('search_producer:' || slug))"
    " FROM (SELECT DISTINCT slug FROM unnest(CAST(:slugs AS text[])) AS slug ORDER BY slug) AS s"
)
_PRODUCER_DROP = sa.text(
    """
    DELETE FROM search_producer_suggestions AS p
    WHERE p.slug = ANY(CAST(:slugs AS text[]))
      AND NOT EXISTS (SELECT 1 FROM product_search WHERE producer_slug = p.slug)
    """
)
_PRODUCER_UPSERT = sa.text(
    f"""
    INSERT INTO search_producer_suggestions (slug, name, words, valid_until)
    SELECT producer_slug, min(producer_name), to_tsvector('{CONFIG}', min(producer_name)),
        max(valid_until)
    FROM product_search WHERE producer_slug = ANY(CAST(:slugs AS text[]))
    GROUP BY producer_slug
    ON CONFLICT (slug) DO UPDATE SET
        name = EXCLUDED.name, words = EXCLUDED.words, valid_until = EXCLUDED.valid_until
    """
)


def install(connection) -> None:
    """Create the extensions and the text search configuration (idempotent)."""
    for statement in INSTALL_SQL:
        connection.execute(sa.text(statement))


def _tsquery(
    words: tuple[str, ...], joiner: str, prefix_last: bool = False, weight: str = ""
) -> str:
    """A to_tsquery string from safe words: "ca & phe", "ca & ph:*A"."""
    parts = [w + (":" + weight if weight else "") for w in words]
    if prefix_last and parts:
        parts[-1] = words[-1] + ":*" + weight
    return f" {joiner} ".join(parts)


def _safe(words: tuple[str, ...]) -> tuple[str, ...]:
    """Words reduced to letters and digits, which to_tsquery cannot misread."""
    cleaned = []
    for word in words:
        cleaned.extend(re.findall(r"\w+", word))
    return tuple(cleaned)


class PostgresBackend:
    """Search through SQL on the shared database."""

    name = "postgres"

    def exists(self) -> bool:
        return True

    def clear(self) -> None:
        db.session.execute(sa.delete(SearchSuggestion))
        db.session.execute(sa.delete(SearchProducerSuggestion))
        db.session.execute(sa.delete(ProductSearch))

    def index(self, documents: list[dict]) -> None:
        self.update(documents, [])

    def remove(self, product_ids: list[int]) -> None:
        self.update([], product_ids)

    def update(self, documents: list[dict], gone: list[int]) -> None:
        """Write these documents and drop the `gone` ids, then their producers' rows once
        (one ordered round of producer locks per transaction's sync: no lock-order cycle)."""
        if not documents and not gone:
            return
        session = _session()
        ids = [d["id"] for d in documents]
        producers: set[str] = set()
        if ids:  # the producers they had, in case a product changed producer
            producers.update(
                session.scalars(
                    sa.select(ProductSearch.producer_slug).where(ProductSearch.product_id.in_(ids))
                )
            )
            session.execute(_UPSERT, [_params(d) for d in documents])
            session.execute(
                _SUGGESTION_UPSERT,
                [
                    {
                        **{key: d[key] for key in ("id", "name", "slug", "valid_until")},
                        "name_words": with_pairs(d["name"]),
                    }
                    for d in documents
                ],
            )
            producers.update(d["producer_slug"] for d in documents)
        if gone:
            session.execute(
                sa.delete(SearchSuggestion).where(SearchSuggestion.product_id.in_(gone))
            )
            producers.update(
                session.scalars(
                    sa.delete(ProductSearch)
                    .where(ProductSearch.product_id.in_(gone))
                    .returning(ProductSearch.producer_slug)
                )
            )
        self._refresh_producers(producers)
        terms = sorted(
            t
            for t in vocabulary_terms(f"{d['name']}\n{d['producer']}" for d in documents)
            if _TERM.fullmatch(t) and 2 <= len(t) <= 60
        )
        if terms:
            session.execute(
                insert(SearchTerm).on_conflict_do_nothing(), [{"term": t} for t in terms]
            )

    def _refresh_producers(self, slugs: set[str]) -> None:
        if not slugs:
            return
        session = _session()
        wanted = {"slugs": sorted(slugs)}
        session.execute(_PRODUCER_LOCK, wanted)
        session.execute(_PRODUCER_DROP, wanted)
        session.execute(_PRODUCER_UPSERT, wanted)

    def indexed_ids(self) -> set[int]:
        """Products whose document and autocomplete rows (their own, their producer's) agree.

        A product missing from either table, or whose suggestion rows differ from its document
        (name, slug, validity), is not counted, so `flask search check` reports it missing.
        """
        ps, own, producer = (
            ProductSearch.__table__.c,
            SearchSuggestion.__table__.c,
            SearchProducerSuggestion.__table__.c,
        )
        return set(
            db.session.scalars(
                sa.select(ps.product_id)
                .join(SearchSuggestion.__table__, own.product_id == ps.product_id)
                .join(SearchProducerSuggestion.__table__, producer.slug == ps.producer_slug)
                .where(
                    own.name == ps.name,
                    own.slug == ps.slug,
                    own.valid_until == ps.valid_until,
                    producer.name == ps.producer_name,
                    producer.valid_until >= ps.valid_until,
                )
            )
        )

    def held_ids(self) -> set[int]:
        """Every product id any of the tables holds (to report those that should not be)."""
        return set(db.session.scalars(sa.select(ProductSearch.product_id))) | set(
            db.session.scalars(sa.select(SearchSuggestion.product_id))
        )

    # --- reading ---------------------------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResult:
        terms = Terms(_safe(q.terms.exact), _safe(q.terms.folded))
        planned = plan(terms, _Vocabulary(), TYPO_DISTANCE)
        require_all = not (len(planned.words) > 1 and self._few(q, planned))
        conditions, score = self._matches(q, planned, require_all)
        result = self._page(q, conditions, score)
        if terms and result.total < FEW_RESULTS:
            result.suggestion = self._better_spelling(q, terms, result.total)
        return result

    def _few(self, q: SearchQuery, planned: Plan) -> bool:
        """Whether the words alone (before any facet) match fewer than FEW_RESULTS products.

        Deciding on the words alone keeps facet counts and narrowed results in agreement.
        """
        words_only = SearchQuery(text=q.text, today=q.today)
        conditions, _score = self._matches(words_only, planned)
        found = sa.select(ProductSearch.product_id).where(*conditions).limit(FEW_RESULTS).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(found)) < FEW_RESULTS

    def _filters(self, q: SearchQuery) -> list:
        ps = ProductSearch.__table__.c
        conditions = [ps.valid_until >= q.today]
        if q.stars:
            conditions.append(ps.stars.in_(q.stars))
        if q.product_set is not None:
            conditions.append(ps.product_set == q.product_set)
        if q.group:
            conditions.append(ps.group_code == q.group)
        if q.province is not None:
            conditions.append(ps.province == q.province)
        if q.price_min is not None:
            conditions.append(ps.price_min >= q.price_min)
        if q.price_max is not None:
            conditions.append(ps.price_min <= q.price_max)
        return conditions

    def _matches(self, q: SearchQuery, planned: Plan, require_all: bool = True):
        """Every word (or, for a pair the index holds one edit away, that joined word instead
        of the two), phrases ranked first; with `require_all` False, some words."""
        ps = ProductSearch.__table__.c
        conditions = self._filters(q)
        if not planned:
            return conditions, sa.literal(0.0)
        words = [
            f"({' | '.join(w.spellings)})" if len(w.spellings) > 1 else w.folded
            for w in planned.words
        ]
        variants = [" & ".join(words)]
        for pair in planned.pairs:
            if not pair.typed:
                rest = [w for i, w in enumerate(words) if i not in (pair.index, pair.index + 1)]
                variants.append(" & ".join([*rest, pair.term]))
        phrases = [pair.term for pair in planned.pairs]
        every = sa.func.to_tsquery(CONFIG, " | ".join(f"({v})" for v in variants))
        some = sa.func.to_tsquery(CONFIG, " | ".join(words + phrases))
        conditions.append(ps.document.op("@@")(every if require_all else some))
        weights = sa.literal_column(f"'{RANK_WEIGHTS}'::real[]")
        score = sa.func.ts_rank(weights, ps.document, some) + 3 * sa.func.ts_rank(
            weights, ps.document, every
        )
        if phrases:
            phrase = sa.func.to_tsquery(CONFIG, " | ".join(phrases))
            score = score + PHRASE_BONUS * sa.func.ts_rank(weights, ps.document, phrase)
        if planned.has_diacritics:
            exact = sa.func.to_tsquery("simple", " | ".join(w.exact for w in planned.words))
            score = score + EXACT_BONUS * sa.func.ts_rank(ps.name_exact, exact)
        return conditions, score

    def _page(self, q: SearchQuery, conditions, score) -> SearchResult:
        ps = ProductSearch.__table__.c
        order = {
            "price_asc": (ps.price_min.asc(), ps.created_at.desc()),
            "price_desc": (ps.price_min.desc(), ps.created_at.desc()),
            "newest": (ps.created_at.desc(),),
            "stars": (ps.stars.desc(), score.desc()),
        }.get(q.sort, (score.desc(), ps.created_at.desc()))
        ids = db.session.scalars(
            sa.select(ps.product_id)
            .where(*conditions)
            .order_by(*order, ps.product_id)
            .offset((q.page - 1) * q.per_page)
            .limit(q.per_page)
        ).all()
        facets, total = self._facets(conditions)
        return SearchResult(ids=list(ids), total=total, facets=facets)

    def _facets(self, conditions) -> tuple[dict, int]:
        ps = ProductSearch.__table__.c
        columns = {
            "stars": ps.stars,
            "product_set": ps.product_set,
            "province": ps.province,
            "price_band": ps.price_band,
        }
        rows = db.session.execute(
            sa.select(*columns.values(), sa.func.count())
            .where(*conditions)
            .group_by(sa.func.grouping_sets(*[sa.tuple_(c) for c in columns.values()]))
        ).all()
        facets: dict[str, list] = {name: [] for name in columns}
        for row in rows:
            for index, name in enumerate(columns):
                if row[index] is not None:
                    facets[name].append((row[index], row[-1]))
                    break
        for name in facets:
            facets[name].sort()
        return facets, sum(n for _value, n in facets["stars"])

    def _better_spelling(self, q: SearchQuery, terms: Terms, found: int) -> str | None:
        """A respelling of the query that finds more than the `found` it found, if any."""
        wider = plan(terms, _Vocabulary(), SUGGEST_DISTANCE, typo_min=3)
        if not wider.respelt or wider.unplaced:
            return None  # nothing to respell, or a word we cannot place: better no suggestion
        corrected = wider.corrected
        again = plan(Terms(corrected, corrected), _Vocabulary(), 0)
        conditions, _score = self._matches(q, again, require_all=False)
        better = db.session.scalar(
            sa.select(sa.func.count()).select_from(ProductSearch).where(*conditions)
        )
        return " ".join(corrected) if (better or 0) > found else None

    def suggest(self, text: str, today: dt.date, limit: int) -> list[Suggestion]:
        words = _safe(Terms.parse(text).folded)
        if not words:
            return []
        match = sa.func.to_tsquery(CONFIG, _tsquery(words, "&", prefix_last=True))
        found: list[Suggestion] = []
        for table, kind, share in (
            (SearchSuggestion.__table__, "product", limit),
            (SearchProducerSuggestion.__table__, "producer", max(2, limit // 3)),
        ):
            rows = db.session.execute(
                sa.select(table.c.name, table.c.slug)
                .where(table.c.valid_until >= today, table.c.words.op("@@")(match))
                .order_by(table.c.name, table.c.slug)
                .limit(share)
            ).all()
            found.extend(Suggestion(kind, name, slug) for name, slug in rows)
        return found


def _session():
    return db.session


class _Vocabulary:
    """`search_terms`, for splitting and correcting a query (shop.search.joined): one
    statement for which words are known, one for the closest spellings of all the others."""

    def known(self, words: set[str]) -> set[str]:
        wanted = sorted(w for w in words if _TERM.fullmatch(w))
        if not wanted:
            return set()
        return set(
            db.session.scalars(sa.select(SearchTerm.term).where(SearchTerm.term.in_(wanted)))
        )

    def closest(self, words: list[str], joins: list[str], distance: int) -> dict[str, str]:
        """The known word fewest edits away (same first letter), within `distance` edits."""
        wanted = [w for w in (*words, *joins) if _TERM.fullmatch(w)]
        if not wanted:
            return {}
        rows = db.session.execute(_CLOSEST, {"words": wanted, "distance": distance}).all()
        return {word: term for word, term in rows}


# For each word, the nearest term: same first letter (a range scan of the primary key), a
# length within `distance`, then the edit distance itself (fuzzystrmatch).
_CLOSEST = sa.text(
    """
    SELECT w.word, t.term
    FROM unnest(CAST(:words AS text[])) AS w(word)
    CROSS JOIN LATERAL (
        SELECT term FROM search_terms
        WHERE term >= left(w.word, 1) AND term < chr(ascii(left(w.word, 1)) + 1)
          AND length(term) BETWEEN length(w.word) - :distance AND length(w.word) + :distance
          AND levenshtein(term, w.word) <= :distance
        ORDER BY levenshtein(term, w.word), term
        LIMIT 1
    ) AS t
    """
)


def _params(document: dict) -> dict:
    return {
        **{
            key: document[key]
            for key in (
                "id",
                "name",
                "slug",
                "producer",
                "producer_slug",
                "context",
                "description",
                "stars",
                "product_set",
                "group",
                "province",
                "price_min",
                "created",
                "valid_until",
            )
        },
        "price_band": price_band(document["price_min"]),
        "name_words": with_pairs(document["name"]),
        "producer_words": with_pairs(document["producer"]),
        "context_words": with_pairs(document["context"]),
    }
