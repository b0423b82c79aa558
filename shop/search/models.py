"""Tables of the PostgreSQL search backend (empty and unused with Whoosh or on SQLite).

`product_search` holds one row per indexable product: weighted tsvectors built with the
`unaccent` dictionary, and the columns searches filter, sort and count on. It is written in
the same transaction as the change it reflects, so it cannot drift from the catalogue.
`search_terms` is the vocabulary used to correct misspelt words (edit distance).
`search_suggestions` and `search_producer_suggestions` are autocomplete's narrow copies of the
names (one row per product, one per producer), written in the same transaction as
`product_search`: a prefix query reads a small GIN index and the rows it needs, not the wide
documents (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db

TsVector = sa.Text().with_variant(TSVECTOR(), "postgresql")


class ProductSearch(db.Model):
    """The searchable form of one product."""

    __tablename__ = "product_search"
    __table_args__ = (
        sa.Index("ix_product_search_document", "document", postgresql_using="gin"),
        sa.Index("ix_product_search_name_exact", "name_exact", postgresql_using="gin"),
        sa.Index("ix_product_search_valid_until", "valid_until"),
        # Rebuilding a producer's autocomplete row reads that producer's products.
        sa.Index("ix_product_search_producer_slug", "producer_slug"),
        # Searches without words (filters only): the page walks this index newest first and
        # stops after one page, the facet counts read it alone (docs/benchmarks.md).
        sa.Index(
            "ix_product_search_browse",
            "created_at",
            "product_id",
            postgresql_include=[
                "valid_until",
                "stars",
                "product_set",
                "group_code",
                "province",
                "price_band",
                "price_min",
            ],
        ),
    )

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    document = mapped_column(TsVector, nullable=False)
    name_exact = mapped_column(TsVector, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(220))
    producer_name: Mapped[str] = mapped_column(sa.String(160))
    producer_slug: Mapped[str] = mapped_column(sa.String(180))
    stars: Mapped[int]
    product_set: Mapped[int]
    group_code: Mapped[str] = mapped_column(sa.String(4))
    province: Mapped[int]
    price_min: Mapped[int] = mapped_column(sa.BigInteger)
    price_band: Mapped[int]
    created_at: Mapped[dt.datetime]
    valid_until: Mapped[dt.date]


class SearchTerm(db.Model):
    """A folded word that appears in product or producer names."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(sa.String(60), primary_key=True)


class SearchSuggestion(db.Model):
    """A product's name for autocomplete: its folded words and how long it stays valid."""

    __tablename__ = "search_suggestions"
    __table_args__ = (
        sa.Index("ix_search_suggestions_words", "words", postgresql_using="gin"),
        sa.Index("ix_search_suggestions_name", "name"),
    )

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(220))
    words = mapped_column(TsVector, nullable=False)
    valid_until: Mapped[dt.date]


class SearchProducerSuggestion(db.Model):
    """A producer's name for autocomplete, valid until its latest indexed product is."""

    __tablename__ = "search_producer_suggestions"
    __table_args__ = (
        sa.Index("ix_search_producer_suggestions_words", "words", postgresql_using="gin"),
    )

    slug: Mapped[str] = mapped_column(sa.String(180), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    words = mapped_column(TsVector, nullable=False)
    valid_until: Mapped[dt.date]
