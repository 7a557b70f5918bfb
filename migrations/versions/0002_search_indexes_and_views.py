"""Add full-text search, filter indexes and reporting views.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00

- ``news_ingest_regconfig(lang)``: ISO 639-1 code → text search configuration (``simple`` when
  unknown or NULL); IMMUTABLE so a generated column may use it.
- ``news_ingest_url_host(url)``: the lower-cased host of a URL (no port, no user info).
- ``articles.search``: generated, stored ``tsvector`` of title (weight A) and the first
  100,000 characters of the body (weight B) in the article's language, with a GIN index.
  Adding it rewrites ``articles`` once (a stored generated column is computed for every row).
- GIN indexes on ``tags`` and ``authors``; ``(domain, published_at)`` replaces the
  single-column ``domain`` index (its prefix); ``ingest_jobs`` gets ``submitted_at`` and
  ``finished_at`` indexes (status, throughput, retry).
- Views ``recent_articles_per_domain`` and ``failures_per_domain_reason``.

Needs PostgreSQL ≥ 13 (every configuration named below ships with it).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGCONFIG = """
CREATE FUNCTION news_ingest_regconfig(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(lang)
    WHEN 'ar' THEN 'arabic'::regconfig     WHEN 'hy' THEN 'armenian'::regconfig
    WHEN 'eu' THEN 'basque'::regconfig     WHEN 'ca' THEN 'catalan'::regconfig
    WHEN 'da' THEN 'danish'::regconfig     WHEN 'nl' THEN 'dutch'::regconfig
    WHEN 'en' THEN 'english'::regconfig    WHEN 'fi' THEN 'finnish'::regconfig
    WHEN 'fr' THEN 'french'::regconfig     WHEN 'de' THEN 'german'::regconfig
    WHEN 'el' THEN 'greek'::regconfig      WHEN 'hi' THEN 'hindi'::regconfig
    WHEN 'hu' THEN 'hungarian'::regconfig  WHEN 'id' THEN 'indonesian'::regconfig
    WHEN 'ga' THEN 'irish'::regconfig      WHEN 'it' THEN 'italian'::regconfig
    WHEN 'lt' THEN 'lithuanian'::regconfig WHEN 'ne' THEN 'nepali'::regconfig
    WHEN 'no' THEN 'norwegian'::regconfig  WHEN 'nb' THEN 'norwegian'::regconfig
    WHEN 'nn' THEN 'norwegian'::regconfig  WHEN 'pt' THEN 'portuguese'::regconfig
    WHEN 'ro' THEN 'romanian'::regconfig   WHEN 'ru' THEN 'russian'::regconfig
    WHEN 'sr' THEN 'serbian'::regconfig    WHEN 'es' THEN 'spanish'::regconfig
    WHEN 'sv' THEN 'swedish'::regconfig    WHEN 'ta' THEN 'tamil'::regconfig
    WHEN 'tr' THEN 'turkish'::regconfig    WHEN 'yi' THEN 'yiddish'::regconfig
    ELSE 'simple'::regconfig
  END
$$
"""

URL_HOST = r"""
CREATE FUNCTION news_ingest_url_host(url text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lower(substring(url FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^]]*\]|[^:/?#]*)'))
$$
"""

SEARCH_EXPR = (
    "setweight(to_tsvector(news_ingest_regconfig(language), coalesce(title, '')), 'A') || "
    "setweight(to_tsvector(news_ingest_regconfig(language), left(text, 100000)), 'B')"
)

RECENT_VIEW = """
CREATE VIEW recent_articles_per_domain AS
SELECT domain,
       row_number() OVER (PARTITION BY domain
                          ORDER BY coalesce(published_at, first_seen_at) DESC, id DESC) AS rank,
       id, url, title, published_at, first_seen_at, language, authors, tags, word_count
FROM articles
WHERE coalesce(published_at, first_seen_at) > now() - interval '7 days'
"""

FAILURES_VIEW = """
CREATE VIEW failures_per_domain_reason AS
SELECT news_ingest_url_host(url) AS domain,
       reason,
       count(*) AS failures,
       count(*) FILTER (WHERE finished_at > now() - interval '24 hours') AS failures_24h,
       count(*) FILTER (WHERE NOT meta ? 'retried_as') AS not_retried,
       max(finished_at) AS last_failed_at,
       (array_agg(url ORDER BY finished_at DESC NULLS LAST))[1] AS example_url
FROM ingest_jobs
WHERE status = 'failed'
GROUP BY 1, 2
"""


def upgrade() -> None:
    op.execute(REGCONFIG)
    op.execute(URL_HOST)
    op.add_column("articles", sa.Column(
        "search", postgresql.TSVECTOR(), sa.Computed(SEARCH_EXPR, persisted=True),
        nullable=True))
    op.create_index(op.f("ix_articles_search"), "articles", ["search"], unique=False,
                    postgresql_using="gin")
    op.create_index(op.f("ix_articles_tags"), "articles", ["tags"], unique=False,
                    postgresql_using="gin")
    op.create_index(op.f("ix_articles_authors"), "articles", ["authors"], unique=False,
                    postgresql_using="gin")
    op.drop_index(op.f("ix_articles_domain"), table_name="articles")
    op.create_index(op.f("ix_articles_domain_published_at"), "articles",
                    ["domain", "published_at"], unique=False)
    op.create_index(op.f("ix_ingest_jobs_submitted_at"), "ingest_jobs", ["submitted_at"],
                    unique=False)
    op.create_index(op.f("ix_ingest_jobs_finished_at"), "ingest_jobs", ["finished_at"],
                    unique=False)
    op.execute(RECENT_VIEW)
    op.execute(FAILURES_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW failures_per_domain_reason")
    op.execute("DROP VIEW recent_articles_per_domain")
    op.drop_index(op.f("ix_ingest_jobs_finished_at"), table_name="ingest_jobs")
    op.drop_index(op.f("ix_ingest_jobs_submitted_at"), table_name="ingest_jobs")
    op.drop_index(op.f("ix_articles_domain_published_at"), table_name="articles")
    op.create_index(op.f("ix_articles_domain"), "articles", ["domain"], unique=False)
    op.drop_index(op.f("ix_articles_authors"), table_name="articles")
    op.drop_index(op.f("ix_articles_tags"), table_name="articles")
    op.drop_index(op.f("ix_articles_search"), table_name="articles")
    op.drop_column("articles", "search")
    op.execute("DROP FUNCTION news_ingest_url_host(text)")
    op.execute("DROP FUNCTION news_ingest_regconfig(text)")
