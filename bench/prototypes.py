"""Candidate changes to shop/search, measured on the benchmark's data; the shop never uses this.

`bench/search.py --reuse --prototype FEATURES` swaps the configured backend for a subclass
with the features named (joined by "+"), so each change can be measured alone or together,
on the same data and queries as the baseline. Any extra index or table a feature needs is
created in the benchmark database (names start with bench_) and dropped by `cleanup()`.

PostgreSQL features
  serial   SET LOCAL max_parallel_workers_per_gather = 0: on 2 cores the parallel plans the
           planner picks for big match sets are slower than the serial bitmap scan.
  known    when too few products have every word, drop the words that are unknown and
           have no close known word (AND of the rest) before falling back to OR of all.
  most     then, for three words or more, every word but one (an OR of the ANDs of n-1
           words) before OR of all: a wrong but real word ("men" for "miến") no longer
           turns the search into "any word", which matches most of the catalogue.
  onepass  for searches with words, the page of ids and the facet counts in one
           statement: one scan of the matches (a CTE read twice) instead of two. (Not for
           filter-only searches: with the `browse` index their two statements are
           index-only scans, cheaper than materialising every filtered row.)
  browse   filter-only searches ordered by (created_at, id) without the constant score,
           with a narrow covering index so both page and counts are index-only scans.
  suggest  autocomplete from narrow tables (names and their own tsvector, no weights) with
           a btree on the name, instead of a weight-restricted prefix query on the wide rows.
           Applied since (search_suggestions, migration 0003): the shop's backend now reads
           the same kind of tables, so an A/B of this feature compares two equal designs.

Whoosh features
  optimize a copy of the index merged into one segment (as a rebuild with one writer, or
           a final optimize, would leave it); the shop's backend keeps the original.
  known    as above.
  nofacets no facet counts (measures what they cost; a cache would save this on a hit).
  fewfix   the "few" check reads `results.scored_length()` (at most 3) instead of
           `len(results)`, which with a limit makes Whoosh run the query again to count
           every match (Results.__len__ -> collector.count()).
  shortprefix  in suggest(), a last word of one letter ("ca c") is not expanded as a prefix
           (Whoosh's Prefix("c") is an OR of every indexed word starting with c): only
           the complete words are matched until a second letter is typed.
  filtercache  keep the document sets of filters (valid_until >= today, stars, province...)
           per searcher, instead of rebuilding a BitSet over every valid document on each
           search, each "few" check and each suggest() call.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from shop.extensions import db
from shop.search.base import (
    FEW_RESULTS,
    TYPO_DISTANCE,
    SearchQuery,
    SearchResult,
    Suggestion,
    Terms,
)
from shop.search.models import ProductSearch
from shop.search.postgres_backend import CONFIG, PostgresBackend, _safe, _tsquery
from shop.search.whoosh_backend import WhooshBackend, query

PG_FEATURES = {"serial", "known", "most", "onepass", "browse", "suggest"}
WHOOSH_FEATURES = {"optimize", "known", "nofacets", "filtercache", "fewfix", "shortprefix"}
FACETS = ("stars", "product_set", "province", "price_band")

PG_SETUP = {
    "browse": (
        "CREATE INDEX IF NOT EXISTS bench_narrow ON product_search (created_at DESC, product_id)"
        " INCLUDE (valid_until, stars, product_set, province, price_band, price_min)",
    ),
    "suggest": (
        "CREATE TABLE IF NOT EXISTS bench_suggest AS SELECT product_id, name, slug,"
        " to_tsvector('vietnamese_folded', name) AS words, valid_until FROM product_search",
        "CREATE INDEX IF NOT EXISTS bench_suggest_words ON bench_suggest USING gin (words)",
        "CREATE INDEX IF NOT EXISTS bench_suggest_name ON bench_suggest (name)",
        "CREATE TABLE IF NOT EXISTS bench_suggest_producers AS SELECT producer_name AS name,"
        " producer_slug AS slug, to_tsvector('vietnamese_folded', producer_name) AS words,"
        " max(valid_until) AS valid_until FROM product_search GROUP BY 1, 2",
        "CREATE INDEX IF NOT EXISTS bench_suggest_producers_words"
        " ON bench_suggest_producers USING gin (words)",
    ),
}
PG_CLEANUP = (
    "DROP INDEX IF EXISTS bench_narrow",
    "DROP TABLE IF EXISTS bench_suggest, bench_suggest_producers",
)


def make(name: str, app):
    """The prototype backend for this app's SEARCH_BACKEND with the features in `name`."""
    features = set(name.split("+"))
    if app.config["SEARCH_BACKEND"] == "postgres":
        _check(features, PG_FEATURES)
        _setup_postgres(features)
        return PostgresPrototype(features)
    _check(features, WHOOSH_FEATURES)
    from shop.search import backend

    path = backend().path
    if "optimize" in features:  # on a copy: the shop's backend keeps reading the original
        path = _optimized_copy(path)
    return WhooshPrototype(path, features)


def _check(features: set[str], known: set[str]) -> None:
    unknown = features - known
    if unknown:
        raise SystemExit(f"unknown prototype features {sorted(unknown)}; known: {sorted(known)}")


def cleanup(app) -> None:
    """Drop what prototypes created, so baseline runs measure the shop's own schema."""
    if app.config["SEARCH_BACKEND"] != "postgres":
        import shutil

        copy = Path(app.instance_path) / "search-optimized"
        if copy.exists():
            shutil.rmtree(copy)
        return
    with app.app_context(), db.engine.begin() as connection:
        for statement in PG_CLEANUP:
            connection.execute(sa.text(statement))


def _setup_postgres(features: set[str]) -> None:
    statements = [s for feature in sorted(features) for s in PG_SETUP.get(feature, ())]
    if not statements:
        return
    started = time.perf_counter()
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE product_search"))
        if "suggest" in features:
            connection.execute(sa.text("VACUUM ANALYZE bench_suggest"))
            connection.execute(sa.text("VACUUM ANALYZE bench_suggest_producers"))
    print(f"  prototype setup: {time.perf_counter() - started:.1f} s")


def _optimized_copy(path: Path) -> Path:
    import shutil

    from whoosh import index

    copy = path.parent / "search-optimized"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(path, copy)
    started = time.perf_counter()
    ix = index.open_dir(copy)
    before = len(ix._segments())
    ix.optimize()
    after = len(index.open_dir(copy)._segments())
    print(f"  optimize: {before} -> {after} segments in {time.perf_counter() - started:.1f} s")
    return copy


# --- PostgreSQL ------------------------------------------------------------------------


class PostgresPrototype(PostgresBackend):
    """PostgresBackend with some of the candidate changes switched on."""

    def __init__(self, features: set[str]):
        self.features = features
        self._most = False  # "most": the words condition is n-1 of n words

    def _settings(self) -> None:
        if "serial" in self.features:
            db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))

    def search(self, q: SearchQuery) -> SearchResult:
        self._settings()
        terms = Terms(_safe(q.terms.exact), _safe(q.terms.folded))
        require_all = True
        if len(terms.folded) > 1 and self._few(q, terms):
            narrowed = self._known_words(terms) if "known" in self.features else None
            if narrowed and not (len(narrowed.folded) > 1 and self._few(q, narrowed)):
                terms = narrowed
            else:
                require_all = not self._few_with_most(q, terms)
        try:
            conditions, score = self._matches(q, terms, TYPO_DISTANCE, require_all)
            result = self._proto_page(q, conditions, score if terms else None)
        finally:
            self._most = False
        if terms and result.total < FEW_RESULTS:
            result.suggestion = self._better_spelling(q, terms, result.total)
        return result

    def _few_with_most(self, q: SearchQuery, terms: Terms) -> bool:
        """With "most": whether n-1 of the n words still find too few (then OR of all)."""
        if "most" not in self.features or len(terms.folded) < 3:
            return True
        self._most = True
        if self._few(q, terms):
            self._most = False
            return True
        return False

    def _matches(self, q: SearchQuery, terms: Terms, distance: int, require_all: bool = True):
        conditions, score = super()._matches(q, terms, distance, require_all)
        if self._most and require_all and len(terms.folded) >= 3:
            words = [self._spellings(w, distance) for w in terms.folded]
            most = " | ".join(
                "(" + " & ".join(words[:i] + words[i + 1 :]) + ")" for i in range(len(words))
            )
            document = ProductSearch.__table__.c.document
            conditions[-1] = document.op("@@")(sa.func.to_tsquery(CONFIG, most))
        return conditions, score

    def _known_words(self, terms: Terms) -> Terms | None:
        """The words that are known or have a close known spelling; None if that is all."""
        kept = [
            (exact, folded)
            for exact, folded in zip(terms.exact, terms.folded, strict=True)
            if self._known(folded) or self._spellings(folded, TYPO_DISTANCE) != folded
        ]
        if not kept or len(kept) == len(terms.folded):
            return None
        return Terms(tuple(e for e, _f in kept), tuple(f for _e, f in kept))

    def _order(self, q: SearchQuery, columns, score):
        newest = (columns.created_at.desc(),)
        if q.sort == "price_asc":
            return (columns.price_min.asc(), *newest)
        if q.sort == "price_desc":
            return (columns.price_min.desc(), *newest)
        if score is None or q.sort == "newest":
            return (columns.stars.desc(), *newest) if q.sort == "stars" else newest
        if q.sort == "stars":
            return (columns.stars.desc(), score.desc())
        return (score.desc(), *newest)

    def _proto_page(self, q: SearchQuery, conditions, score) -> SearchResult:
        if "onepass" in self.features and score is not None:  # words: one scan of the matches
            return self._one_pass(q, conditions, score)
        if "browse" not in self.features and score is None:
            score = sa.literal(0.0)  # what the shop does today
        ps = ProductSearch.__table__.c
        ids = db.session.scalars(
            sa.select(ps.product_id)
            .where(*conditions)
            .order_by(*self._order(q, ps, score), ps.product_id)
            .offset((q.page - 1) * q.per_page)
            .limit(q.per_page)
        ).all()
        facets, total = self._facets(conditions)
        return SearchResult(ids=list(ids), total=total, facets=facets)

    def _one_pass(self, q: SearchQuery, conditions, score) -> SearchResult:
        """Page and facet counts from one CTE of the matches (read twice, scanned once)."""
        ps = ProductSearch.__table__.c
        columns = [ps.product_id, ps.price_min, ps.created_at, *(ps[f] for f in FACETS)]
        if score is not None:
            columns.append(score.label("score"))
        m = sa.select(*columns).where(*conditions).cte("matches").c
        order = self._order(q, m, m.score if score is not None else None)
        page = (
            sa.select(m.product_id)
            .order_by(*order, m.product_id)
            .offset((q.page - 1) * q.per_page)
            .limit(q.per_page)
            .subquery("page")
        )
        counts = (
            sa.select(*(m[f] for f in FACETS), sa.func.count().label("n"))
            .group_by(sa.func.grouping_sets(*[sa.tuple_(m[f]) for f in FACETS]))
            .subquery("counts")
        )
        nothing = sa.null().cast(sa.Integer)
        both = sa.union_all(  # one round trip: the page's ids (part 0) then the counts (part 1)
            sa.select(
                sa.literal(0).label("part"),
                page.c.product_id,
                sa.func.row_number().over().label("position"),
                *(nothing.label(f) for f in FACETS),
                sa.literal(0).label("n"),
            ),
            sa.select(sa.literal(1), nothing, nothing, *(counts.c[f] for f in FACETS), counts.c.n),
        )
        rows = db.session.execute(both).all()
        ids = [
            row.product_id for row in sorted(rows, key=lambda r: r.position or 0) if not row.part
        ]
        facets: dict[str, list] = {name: [] for name in FACETS}
        for row in rows:
            value = next(
                ((f, getattr(row, f)) for f in FACETS if getattr(row, f) is not None), None
            )
            if row.part and value:
                facets[value[0]].append((value[1], row.n))
        for values in facets.values():
            values.sort()
        return SearchResult(ids=ids, total=sum(n for _v, n in facets["stars"]), facets=facets)

    def suggest(self, text, today, limit):
        self._settings()
        if "suggest" not in self.features:
            return super().suggest(text, today, limit)
        words = _safe(Terms.parse(text).folded)
        if not words:
            return []
        match = sa.func.to_tsquery(CONFIG, _tsquery(words, "&", prefix_last=True))
        found: list[Suggestion] = []
        for table, kind, share in (
            ("bench_suggest", "product", limit),
            ("bench_suggest_producers", "producer", max(2, limit // 3)),
        ):
            rows = db.session.execute(
                sa.select(sa.column("name"), sa.column("slug"))
                .select_from(sa.table(table))
                .where(
                    sa.column("valid_until") >= today,
                    sa.column("words").op("@@")(match),
                )
                .order_by(sa.column("name"), sa.column("slug"))
                .limit(share)
            ).all()
            found.extend(Suggestion(kind, name, slug) for name, slug in rows)
        return found


# --- Whoosh ------------------------------------------------------------------------------


class WhooshPrototype(WhooshBackend):
    """WhooshBackend with some of the candidate changes switched on."""

    def __init__(self, path: Path, features: set[str]):
        super().__init__(path)
        self.features = features

    # filtercache: filters as cached document sets of the current searcher

    def _cached(self, searcher, filter_query):
        if "filtercache" not in self.features:
            return filter_query
        cache = self._local.__dict__.setdefault("filters", {})
        if cache.get("searcher") is not searcher:  # a new searcher: the index changed
            cache.clear()
            cache["searcher"] = searcher
        key = repr(filter_query)
        if key not in cache:
            found = searcher._filter_to_comb(filter_query)
            # Whoosh reads an empty set as "no filter" (FilterCollector: `if allow`): an
            # impossible term keeps "nothing allowed" meaning nothing.
            cache[key] = found if len(found) else query.Term("key", "-")
        return cache[key]

    def _filter(self, q: SearchQuery):  # the shop's is a staticmethod returning a query
        return self._cached(self._searcher(), WhooshBackend._filter(q))

    def _few(self, searcher, q: SearchQuery, text_query) -> bool:
        if not self.features & {"filtercache", "fewfix"}:
            return super()._few(searcher, q, text_query)
        valid = self._cached(searcher, _validity(q.today))
        hits = searcher.search(text_query, limit=FEW_RESULTS, filter=valid, terms=False)
        found = hits.scored_length() if "fewfix" in self.features else len(hits)
        return found < FEW_RESULTS

    def suggest(self, text: str, today, limit: int) -> list[Suggestion]:
        if not self.features & {"filtercache", "shortprefix"}:
            return super().suggest(text, today, limit)
        terms = Terms.parse(text)
        if not terms:
            return []
        *complete, last = terms.folded
        searcher = self._searcher()
        validity = self._cached(searcher, _validity(today))  # a query without filtercache
        found: list[Suggestion] = []
        seen: set[tuple[str, str]] = set()
        for field, kind, name_key, slug_key, share in (
            ("name", "product", "title", "slug", limit),
            ("producer", "producer", "producer_name", "producer_slug", max(2, limit // 3)),
        ):
            words = [query.Term(field, w) for w in complete]
            if len(last) > 1 or not complete or "shortprefix" not in self.features:
                words.append(query.Prefix(field, last))
            hits = searcher.search(query.And(words), limit=share * 4, filter=validity, terms=False)
            taken = 0
            for hit in hits:
                if (kind, hit[slug_key]) in seen:
                    continue
                seen.add((kind, hit[slug_key]))
                found.append(Suggestion(kind, hit[name_key], hit[slug_key]))
                taken += 1
                if taken >= share:
                    break
        return found

    def _run(self, searcher, q: SearchQuery, text_query) -> SearchResult:
        if "nofacets" not in self.features:
            return super()._run(searcher, q, text_query)
        hits = searcher.search_page(
            text_query,
            q.page,
            pagelen=q.per_page,
            filter=self._filter(q),
            sortedby=self._sort(q.sort),
            terms=False,
        )
        return SearchResult(ids=[hit["id"] for hit in hits], total=hits.total, facets={})

    def search(self, q: SearchQuery) -> SearchResult:
        if "known" not in self.features:
            return super().search(q)
        searcher = self._searcher()
        terms = q.terms
        if not terms:
            return self._run(searcher, q, query.Every())
        strict = self._text_query(searcher, terms, TYPO_DISTANCE)
        if len(terms.folded) > 1 and self._few(searcher, q, strict):
            narrowed = self._known_words(searcher, terms)
            if narrowed is not None:
                strict = self._text_query(searcher, narrowed, TYPO_DISTANCE)
            if narrowed is None or (len(narrowed.folded) > 1 and self._few(searcher, q, strict)):
                strict = self._text_query(searcher, terms, TYPO_DISTANCE, require_all=False)
        result = self._run(searcher, q, strict)
        if result.total < FEW_RESULTS:
            result.suggestion = self._better_spelling(searcher, q, terms, result.total)
        return result

    def _known_words(self, searcher, terms: Terms) -> Terms | None:
        kept = [
            (exact, folded)
            for exact, folded in zip(terms.exact, terms.folded, strict=True)
            if self._known(searcher, folded) or len(self._spellings(searcher, folded, 1)) > 1
        ]
        if not kept or len(kept) == len(terms.folded):
            return None
        return Terms(tuple(e for e, _f in kept), tuple(f for _e, f in kept))


def _validity(today):
    from shop.search.whoosh_backend import _day_number

    return query.NumericRange("valid_until", _day_number(today), None)


def compare(app, searches, prefixes, today) -> dict:
    """Run each search on the shop's backend and on the prototype: which answers differ."""
    prototype = app.extensions["search_backend"]
    if isinstance(prototype, PostgresPrototype):
        baseline = PostgresBackend()
    else:
        baseline = WhooshBackend(prototype.path)
    differ: dict[str, list[str]] = {"ids": [], "total": [], "facets": [], "suggest": []}
    for bench_query in searches:
        wanted = bench_query.search_query(today)
        with app.app_context():
            theirs = baseline.search(wanted)
            db.session.rollback()  # SET LOCAL must not leak from one to the other
            ours = prototype.search(wanted)
            db.session.rollback()
        if theirs.ids != ours.ids:
            differ["ids"].append(bench_query.label())
        if theirs.total != ours.total:
            differ["total"].append(bench_query.label())
        if ours.facets and _facets(theirs) != _facets(ours):
            differ["facets"].append(bench_query.label())
    for prefix in prefixes:
        with app.app_context():
            theirs = baseline.suggest(prefix, today, 8)
            db.session.rollback()
            ours = prototype.suggest(prefix, today, 8)
            db.session.rollback()
        if sorted((s.kind, s.name) for s in theirs) != sorted((s.kind, s.name) for s in ours):
            differ["suggest"].append(repr(prefix))  # equal names may come in either order
    return differ


def _facets(result: SearchResult) -> dict:
    return {
        name: sorted((int(v), int(n)) for v, n in values) for name, values in result.facets.items()
    }
