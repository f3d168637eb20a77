# Fallwerk's production image: gunicorn web processes (config/gunicorn.py) on 0.0.0.0:8000.
# Built from the repository alone: `docker build -t fallwerk .` (docs/deployment.md, "Containers").
# compose.yaml runs it twice, as the web service and as the scheduler, beside PostgreSQL.

# --- the designer's and the case viewer's browser bundles, from package-lock.json ---
FROM node:20-bookworm-slim AS bundles
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY webapp/static/src webapp/static/src
RUN npm run build

# --- the app ---
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FALLWERK_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/fallwerk-metrics
RUN groupadd --system fallwerk && useradd --system --gid fallwerk --home-dir /app --shell /usr/sbin/nologin fallwerk
WORKDIR /app
# dependencies first (pinned by constraints.txt), so a code change does not reinstall them
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir casework models webapp config \
    && pip install -c constraints.txt . \
    && pip uninstall -y fallwerk
COPY . .
COPY --from=bundles /build/webapp/static/dist webapp/static/dist
# the app runs from /app (migrations/, workflows/ and app.py are read from here); instance/ is a volume;
# the UI catalogs are compiled now, as the app's user may not write under /app
RUN pip install --no-deps -c constraints.txt -e . \
    && python -c "from webapp.i18n import compile_translations; compile_translations()" \
    && mkdir -p instance /tmp/fallwerk-metrics \
    && chown -R fallwerk:fallwerk instance /tmp/fallwerk-metrics
USER fallwerk
VOLUME ["/app/instance"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# migrations (and the roles, the legal parameters, workflows/) first, then the web processes
CMD ["sh", "-c", "flask --app app setup && exec gunicorn --config config/gunicorn.py"]
