"""Keep the page's own UTC offset of the publication time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:00:00

``published_at`` is stored in UTC; ``published_offset_minutes`` (minutes east of UTC, NULL when
the page gave no zone) is the offset the page wrote it with, so the local publication time,
and so the page's own calendar day, is ``published_at + offset``. Also kept in
``article_versions``.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('articles', sa.Column('published_offset_minutes', sa.SmallInteger(),
                                        nullable=True))
    op.create_check_constraint(op.f('ck_articles_published_offset_minutes_range'), 'articles',
                               'published_offset_minutes BETWEEN -840 AND 840')
    op.add_column('article_versions', sa.Column('published_offset_minutes', sa.SmallInteger(),
                                                nullable=True))


def downgrade() -> None:
    op.drop_column('article_versions', 'published_offset_minutes')
    op.drop_constraint(op.f('ck_articles_published_offset_minutes_range'), 'articles',
                       type_='check')
    op.drop_column('articles', 'published_offset_minutes')
