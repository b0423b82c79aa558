"""The Whoosh backend: a file index in the instance folder, the default on one machine.

Several worker processes may share the index: writers take Whoosh's file lock in turn (each
waits up to WRITE_TIMEOUT seconds), readers never wait. Each thread keeps a searcher and
refreshes it when another process has committed. Expiry is a filter at query time
(`valid_until >= today`), so the index needs no daily job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import shutil
import threading
import warnings
import weakref
from pathlib import Path

from whoosh import analysis, fields, index, query, sorting

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
from shop.search.joined import Plan, pairs, plan
from shop.text import fold

WRITE_TIMEOUT = 30.0
# Segments are written as separate files (`compound=False`), never as one compound file:
# Whoosh reads a compound segment's terms and postings through an in-memory copy
# (BufferFile wraps the mapped file in a BytesIO), so every worker held the whole index in
# its own memory, 21 MB at 10,000 products and growing with the catalogue; separate files are
# read from the page cache, shared by every worker (docs/benchmarks.md, "Memory per worker").
# An index written before keeps its compound segments until `flask search reindex`.
FILTER_CACHE_SIZE = 64  # filter document sets kept per thread's searcher
NOTHING = query.Term("key", "-")  # matches no document (keys are product ids)
# The fields whose joined syllable pairs are indexed (shop.search.joined), and how much a
# phrase (two adjacent words of the query that the index holds joined) adds to a match.
PAIRED = {"name": "name_pairs", "producer": "producer_pairs", "context": "context_pairs"}
PHRASE_BOOST = 2.0
# An index written before the joined pairs lacks this field; it is rebuilt on first use.
ANALYSIS_MARK = "analysis_pairs"
JOINED_PREFIX_MIN = 3  # autocomplete looks among the joined pairs from this many letters


class FoldFilter(analysis.Filter):
    """Folds Vietnamese diacritics and đ → d, so "cà phê" and "ca phe" index alike."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


FOLDING = analysis.RegexTokenizer(r"\w+") | analysis.LowercaseFilter() | FoldFilter()
EXACT = analysis.RegexTokenizer(r"\w+") | analysis.LowercaseFilter()

SCHEMA = fields.Schema(
    key=fields.ID(unique=True),  # str(id): deleting by a numeric term is unreliable in Whoosh
    id=fields.NUMERIC(int, stored=True, signed=False),
    slug=fields.STORED,
    title=fields.STORED,
    producer_name=fields.STORED,
    producer_slug=fields.STORED,
    name=fields.TEXT(analyzer=FOLDING, spelling=True),
    name_exact=fields.TEXT(analyzer=EXACT),
    producer=fields.TEXT(analyzer=FOLDING),
    context=fields.TEXT(analyzer=FOLDING),
    description=fields.TEXT(analyzer=FOLDING),
    stars=fields.NUMERIC(int, sortable=True),
    product_set=fields.NUMERIC(int, sortable=True),
    group=fields.ID(sortable=True),
    province=fields.NUMERIC(int, sortable=True),
    price_min=fields.NUMERIC(int, bits=64, sortable=True),
    price_band=fields.NUMERIC(int, sortable=True),
    created=fields.NUMERIC(int, bits=64, sortable=True),
    valid_until=fields.NUMERIC(int, sortable=True),
    # The joined pairs of the name, producer and context, apart from their words so that
    # autocomplete's prefix of one or two letters does not expand over them too.
    name_pairs=fields.TEXT(analyzer=FOLDING, spelling=True),
    producer_pairs=fields.TEXT(analyzer=FOLDING),
    context_pairs=fields.TEXT(analyzer=FOLDING),
    analysis_pairs=fields.STORED,
)


def _day_number(day: dt.date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _fields(document: dict) -> dict:
    return {
        "key": str(document["id"]),
        "id": document["id"],
        "slug": document["slug"],
        "title": document["name"],
        "producer_name": document["producer"],
        "producer_slug": document["producer_slug"],
        "name": document["name"],
        "name_exact": document["name"],
        "producer": document["producer"],
        "context": document["context"],
        "name_pairs": " ".join(pairs(document["name"])),
        "producer_pairs": " ".join(pairs(document["producer"])),
        "context_pairs": " ".join(pairs(document["context"])),
        "description": document["description"],
        "stars": document["stars"],
        "product_set": document["product_set"],
        "group": document["group"],
        "province": document["province"],
        "price_min": document["price_min"],
        "price_band": price_band(document["price_min"]),
        "created": int(document["created"].timestamp()),
        "valid_until": _day_number(document["valid_until"]),
    }


def _validity(today: dt.date) -> query.Query:
    """Documents whose certificate is still valid on `today`."""
    return query.NumericRange("valid_until", _day_number(today), None)


def _open_dir(path: Path) -> index.Index:
    """Open the index, or raise IndexUnavailable if it is damaged.

    Whoosh leaves a file open when it fails to read a damaged table of contents; it is
    closed here, quietly, rather than warned about later in some unrelated place.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return index.open_dir(path)
        except Exception as error:  # a damaged TOC or segment: any exception Whoosh raises
            failure = f"{type(error).__name__}: {error}"
        gc.collect()
    raise IndexUnavailable(failure)


def _close_all(searchers: list) -> None:
    """Close these searchers and their files, quietly (one may be half-closed already)."""
    while searchers:
        with contextlib.suppress(Exception):
            searchers.pop().close()


class IndexUnavailable(Exception):
    """The index is missing or unreadable; the caller rebuilds it."""


class WhooshBackend:
    """Search over a Whoosh index folder."""

    name = "whoosh"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: index.Index | None = None
        # Every thread's open searcher: with separate segment files each holds open files,
        # closed when it is replaced, and all together when the backend is collected.
        self._searchers: list = []
        weakref.finalize(self, _close_all, self._searchers)

    # --- the index folder ---------------------------------------------------------------

    def _open(self) -> index.Index:
        with self._lock:
            if self._index is None:
                if not self.path.is_dir() or not any(self.path.glob("_MAIN_*.toc")):
                    raise IndexUnavailable(f"no index in {self.path}")
                opened = _open_dir(self.path)
                if ANALYSIS_MARK not in opened.schema.names():
                    opened.close()
                    raise IndexUnavailable("the index predates joined syllables")
                self._index = opened
            return self._index

    def exists(self) -> bool:
        """True when an index folder with a readable table of contents is there."""
        try:
            self._open()
        except IndexUnavailable:
            return False
        return True

    def clear(self) -> None:
        """Create a new, empty index (the old files are removed)."""
        with self._lock:
            self._index = None
            self._drop_searcher()
            if self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True, exist_ok=True)
            self._index = index.create_in(self.path, SCHEMA)

    def _searcher(self):
        """This thread's searcher, reopened when another writer has committed.

        Whoosh's own `refresh()` reuses segment readers and so misses deletions made in an
        existing segment (an updated product would then be found twice); reopening doesn't.
        """
        searcher = getattr(self._local, "searcher", None)
        try:
            if searcher is not None and not searcher.up_to_date():
                self._drop_searcher()
                searcher = None
            if searcher is None:
                searcher = self._open().searcher()
                self._searchers.append(searcher)
        except IndexUnavailable:
            raise
        except Exception as error:
            self._forget()
            raise IndexUnavailable(str(error)) from error
        self._local.searcher = searcher
        return searcher

    def _forget(self) -> None:
        with self._lock:
            self._index = None
        self._drop_searcher()

    def _drop_searcher(self) -> None:
        """Close this thread's searcher (and forget its filters)."""
        searcher = self._local.__dict__.pop("searcher", None)
        self._local.__dict__.clear()
        if searcher is not None:
            with contextlib.suppress(ValueError):
                self._searchers.remove(searcher)
            _close_all([searcher])

    # --- writing -------------------------------------------------------------------------

    def index(self, documents: list[dict]) -> None:
        """Add or replace documents (one writer at a time across processes)."""
        if not documents:
            return
        writer = self._open().writer(timeout=WRITE_TIMEOUT, compound=False)
        try:
            for document in documents:
                writer.update_document(**_fields(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def remove(self, product_ids: list[int]) -> None:
        if not product_ids:
            return
        writer = self._open().writer(timeout=WRITE_TIMEOUT, compound=False)
        try:
            for product_id in product_ids:
                writer.delete_by_term("key", str(product_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def document_count(self) -> int | None:
        """Products in the index, None when there is no index yet."""
        try:
            return self._searcher().doc_count()
        except IndexUnavailable:
            return None

    def indexed_ids(self) -> set[int]:
        searcher = self._searcher()
        return {stored["id"] for stored in searcher.all_stored_fields()}

    # --- reading -------------------------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResult:
        searcher = self._searcher()
        terms = q.terms
        if not terms:
            return self._run(searcher, q, query.Every())
        planned = plan(terms, _Vocabulary(searcher), TYPO_DISTANCE)
        strict = self._text_query(planned)
        if len(planned.words) > 1 and self._few(searcher, q, strict):
            # Few products have every word: also show those with some, all-word ones first.
            strict = self._text_query(planned, require_all=False)
        result = self._run(searcher, q, strict)
        if result.total < FEW_RESULTS:
            result.suggestion = self._better_spelling(searcher, q, terms, result.total)
        return result

    def _few(self, searcher, q: SearchQuery, text_query) -> bool:
        """Whether the words alone (before any facet) match fewer than FEW_RESULTS products.

        Deciding on the words alone keeps facet counts and narrowed results in agreement.
        """
        valid = self._allowed(searcher, _validity(q.today))
        # scored_length(), not len(): with a limit, len() makes Whoosh search again and count
        # every match only to learn whether there were FEW_RESULTS.
        hits = searcher.search(text_query, limit=FEW_RESULTS, filter=valid, terms=False)
        return hits.scored_length() < FEW_RESULTS

    def _allowed(self, searcher, filter_query: query.Query):
        """The documents a filter lets through, kept with this thread's searcher.

        Whoosh does not cache filters: each search would otherwise walk the postings of
        `valid_until >= today` (every valid document) and of each facet term again. The sets
        are dropped when the searcher is reopened (the index changed), and when more than
        FILTER_CACHE_SIZE filters are kept. Whoosh reads an empty set as "no filter", so a
        filter that allows nothing is kept as a query that matches nothing.
        """
        cache = self._local.__dict__.setdefault("filters", {})
        if cache.get("searcher") is not searcher or len(cache) > FILTER_CACHE_SIZE:
            cache.clear()
            cache["searcher"] = searcher
        key = repr(filter_query)
        found = cache.get(key)
        if found is None:
            found = searcher._filter_to_comb(filter_query)
            cache[key] = found = found if len(found) else NOTHING
        return found

    def _run(self, searcher, q: SearchQuery, text_query) -> SearchResult:
        facets = {
            name: sorting.FieldFacet(name, maptype=sorting.Count)
            for name in ("stars", "product_set", "province", "price_band")
        }
        hits = searcher.search_page(
            text_query,
            q.page,
            pagelen=q.per_page,
            filter=self._allowed(searcher, self._filter(q)),
            groupedby=facets,
            sortedby=self._sort(q.sort),
            terms=False,
        )
        ids = [hit["id"] for hit in hits]
        counts = {name: sorted(hits.results.groups(name).items()) for name in facets}
        return SearchResult(ids=ids, total=hits.total, facets=counts)

    def _text_query(self, planned: Plan, require_all: bool = True) -> query.Query:
        """Every word (or, for a pair the index holds one edit away, that joined word
        instead of the two), phrases ranked first; with `require_all` False, some words."""
        groups = [self._word_query(word.exact, list(word.spellings)) for word in planned.words]
        match = groups[0] if len(groups) == 1 else query.And(groups)
        variants = []
        for pair in planned.pairs:
            if pair.typed:
                continue
            rest = [g for i, g in enumerate(groups) if i not in (pair.index, pair.index + 1)]
            joined = self._pair_query(pair.term)
            variants.append(query.And([*rest, joined]) if rest else joined)
        if variants:
            match = query.Or([match, *variants])
        phrases = [self._pair_query(pair.term) for pair in planned.pairs]
        if not require_all:
            # Products with some of the words, those with all of them scoring far higher.
            match = query.Or([query.And([match], boost=3.0), query.Or(groups + phrases)])
        if phrases:
            match = query.AndMaybe(match, query.Or(phrases, boost=PHRASE_BOOST))
        return match

    @staticmethod
    def _pair_query(term: str) -> query.Query:
        return query.Or([query.Term(PAIRED[f], term, boost=FIELD_WEIGHTS[f]) for f in PAIRED])

    @staticmethod
    def _known(searcher, word: str) -> bool:
        return any(searcher.doc_frequency(field, word) for field in (*PAIRED, *PAIRED.values()))

    @staticmethod
    def _closest(searcher, word: str, distance: int) -> str | None:
        for field in ("name", "producer", "name_pairs"):  # "nuocmamm": a pair mistyped
            found = searcher.suggest(field, word, limit=1, maxdist=distance, prefix=1)
            if found:
                return found[0]
        return None

    @staticmethod
    def _word_query(exact: str, spellings: list[str]) -> query.Query:
        parts: list[query.Query] = [
            query.Term(field, spelling, boost=FIELD_WEIGHTS[field])
            for spelling in spellings
            for field in ("name", "producer", "context", "description")
        ]
        parts += [  # a joined word typed ("caphe") is a pair of the index
            query.Term(PAIRED[field], spelling, boost=FIELD_WEIGHTS[field])
            for spelling in spellings
            for field in PAIRED
        ]
        if exact != spellings[0]:
            parts.append(query.Term("name_exact", exact, boost=FIELD_WEIGHTS["name_exact"]))
        return query.Or(parts)

    @staticmethod
    def _filter(q: SearchQuery) -> query.Query:
        conditions: list[query.Query] = [_validity(q.today)]
        if q.stars:
            conditions.append(query.Or([query.Term("stars", s) for s in q.stars]))
        for field in ("product_set", "province"):
            value = getattr(q, field)
            if value is not None:
                conditions.append(query.Term(field, value))
        if q.group:
            conditions.append(query.Term("group", q.group))
        if q.price_min is not None or q.price_max is not None:
            conditions.append(query.NumericRange("price_min", q.price_min, q.price_max))
        return query.And(conditions)

    @staticmethod
    def _sort(sort: str):
        newest = sorting.FieldFacet("created", reverse=True)
        if sort == "price_asc":
            return [sorting.FieldFacet("price_min"), newest]
        if sort == "price_desc":
            return [sorting.FieldFacet("price_min", reverse=True), newest]
        if sort == "newest":
            return newest
        if sort == "stars":
            return [sorting.FieldFacet("stars", reverse=True), sorting.ScoreFacet()]
        # Relevance; equally relevant products (the shop's coffees for "caphe") newest first,
        # as on PostgreSQL, rather than in whatever order the index segments hold them.
        return [sorting.ScoreFacet(), newest]

    def _better_spelling(self, searcher, q: SearchQuery, terms: Terms, found: int) -> str | None:
        """A respelling of the query that finds more than the `found` it found, if any."""
        wider = plan(terms, _Vocabulary(searcher), SUGGEST_DISTANCE, typo_min=3)
        if not wider.respelt or wider.unplaced:
            return None  # nothing to respell, or a word we cannot place: better no suggestion
        corrected = wider.corrected
        again = plan(Terms(corrected, corrected), _Vocabulary(searcher), 0)
        better = self._text_query(again, require_all=False)
        allowed = self._allowed(searcher, self._filter(q))
        hits = searcher.search(better, limit=1, filter=allowed, terms=False)
        return " ".join(corrected) if hits.estimated_length() > found else None

    def suggest(self, text: str, today: dt.date, limit: int) -> list[Suggestion]:
        terms = Terms.parse(text)
        if not terms:
            return []
        *complete, last = terms.folded
        searcher = self._searcher()
        validity = self._allowed(searcher, _validity(today))
        found: list[Suggestion] = []
        seen: set[tuple[str, str]] = set()
        for field, kind, name_key, slug_key, share in (
            ("name", "product", "title", "slug", limit),
            ("producer", "producer", "producer_name", "producer_slug", max(2, limit // 3)),
        ):
            pairs_field = PAIRED[field]
            words = [query.Or([query.Term(field, w), query.Term(pairs_field, w)]) for w in complete]
            ending: query.Query = query.Prefix(field, last)
            if len(last) >= JOINED_PREFIX_MIN:  # "nuocm": the start of a joined pair
                ending = query.Or([ending, query.Prefix(pairs_field, last)])
            words.append(ending)
            hits = searcher.search(query.And(words), limit=share * 4, filter=validity, terms=False)
            taken = 0
            for hit in hits:
                key = (kind, hit[slug_key])
                if key in seen:
                    continue
                seen.add(key)
                found.append(Suggestion(kind, hit[name_key], hit[slug_key]))
                taken += 1
                if taken >= share:
                    break
        return found


class _Vocabulary:
    """The index's own words, for splitting and correcting a query (shop.search.joined)."""

    def __init__(self, searcher):
        self.searcher = searcher

    def known(self, words: set[str]) -> set[str]:
        return {w for w in words if WhooshBackend._known(self.searcher, w)}

    def closest(self, words: list[str], joins: list[str], distance: int) -> dict[str, str]:
        found = {}
        for word in words:
            neighbour = WhooshBackend._closest(self.searcher, word, distance)
            if neighbour:
                found[word] = neighbour
        for join in joins:
            near = self.searcher.suggest("name_pairs", join, limit=1, maxdist=distance, prefix=1)
            if near:
                found[join] = near[0]
        return found
