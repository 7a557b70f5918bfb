# news-ingest worker image (used by docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY worker ./worker
COPY schemas ./schemas
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 ingest
USER ingest
ENTRYPOINT ["news-ingest"]
CMD ["worker"]
