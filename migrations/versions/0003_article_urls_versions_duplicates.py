"""Keep every URL of an article, its previous versions and duplicate links.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:05:35.189460

- ``article_urls``: every URL (requested, final, canonical; normalised) an article was
  reached by, so the same article reached by two URLs is one row.
- ``article_versions``: the previous content of an article whenever a re-ingest changed it.
- ``articles.version``, ``last_seen_at``, ``seen_count``; ``duplicate_of`` links an article
  whose body is identical (same ``content_hash``) to an older one under another URL.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('article_urls',
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('article_id', sa.BigInteger(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('seen_count', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_urls_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('url', name=op.f('pk_article_urls'))
    )
    op.create_index(op.f('ix_article_urls_article_id'), 'article_urls', ['article_id'], unique=False)
    op.create_table('article_versions',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('article_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('authors', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('word_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extractor', sa.Text(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_versions_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_versions'))
    )
    op.create_index('uq_article_versions_article_id_version', 'article_versions', ['article_id', 'version'], unique=True)
    op.add_column('articles', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('articles', sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.add_column('articles', sa.Column('seen_count', sa.Integer(), server_default='1', nullable=False))
    op.add_column('articles', sa.Column('duplicate_of', sa.BigInteger(), nullable=True))
    op.create_index(op.f('ix_articles_duplicate_of'), 'articles', ['duplicate_of'], unique=False)
    op.create_foreign_key(op.f('fk_articles_duplicate_of_articles'), 'articles', 'articles', ['duplicate_of'], ['id'], ondelete='SET NULL')
    # Existing articles are reachable by their own URL.
    op.execute("INSERT INTO article_urls (url, article_id, first_seen_at, last_seen_at) "
               "SELECT url, id, first_seen_at, updated_at FROM articles ON CONFLICT DO NOTHING")


def downgrade() -> None:
    op.drop_constraint(op.f('fk_articles_duplicate_of_articles'), 'articles', type_='foreignkey')
    op.drop_index(op.f('ix_articles_duplicate_of'), table_name='articles')
    op.drop_column('articles', 'duplicate_of')
    op.drop_column('articles', 'seen_count')
    op.drop_column('articles', 'last_seen_at')
    op.drop_column('articles', 'version')
    op.drop_index('uq_article_versions_article_id_version', table_name='article_versions')
    op.drop_table('article_versions')
    op.drop_index(op.f('ix_article_urls_article_id'), table_name='article_urls')
    op.drop_table('article_urls')
