# Novamind app image: two stages, no secrets, runs as a non-root user.
# Build: docker build -t novamind .   Run: docker-compose.yml (app + PostgreSQL + nightly encrypted backups).
# Keys, database URL and the backup key come from the environment at run time (never from the image).

# ---------------------------------------------------------------------------------------------------- builder
FROM python:3.11-slim-bookworm AS builder
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt .
# The CPU build of torch, explicitly and only from PyTorch's CPU index (never the multi-GB CUDA build from PyPI),
# with the hashes of the lock (docs/development.md §2); then the rest of the hashed lock.
RUN awk '/^torch==/{keep=1} keep{print} keep && !/\\$/{exit}' requirements.txt > torch-cpu.txt \
    && grep -q '^torch==.*+cpu' torch-cpu.txt \
    && pip install --require-hashes --no-deps --index-url https://download.pytorch.org/whl/cpu -r torch-cpu.txt \
    && pip install --require-hashes --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

# ---------------------------------------------------------------------------------------------------- runtime
FROM python:3.11-slim-bookworm AS runtime
# pg_dump/psql of the same major version as the compose file's PostgreSQL (PGDG packages; Debian's are older).
ARG PG_MAJOR=16
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH PYTHONPATH=/app \
    NOVAMIND_ENVIRONMENT=production NOVAMIND_LOG_FORMAT=json
# chromium: Plotly static export (PDF reports) through kaleido. curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl gnupg chromium \
    && curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc | gpg --dearmor -o /usr/share/keyrings/pgdg.gpg \
    && echo "deb [signed-by=/usr/share/keyrings/pgdg.gpg] http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
       > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && apt-get purge -y gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
    && pg_dump --version | grep -q " ${PG_MAJOR}\."
COPY --from=builder /opt/venv /opt/venv
RUN useradd --create-home --uid 10001 --user-group novamind
WORKDIR /app
# .dockerignore keeps keys, environment files, databases, backups and the developer's venv out of this copy.
COPY --chown=root:root . .
RUN install -d -o novamind -g novamind -m 0700 /app/data/runtime /app/data/metrics /backups \
    && chown novamind:novamind /app/data
USER novamind

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8501/_stcore/health || exit 1
# Migrations run on deploy, before the server starts; umask 077 keeps every file the app makes private to it.
CMD ["sh", "-c", "umask 077 && python -m novamind_core migrate && exec streamlit run app.py --server.address 0.0.0.0 --server.port 8501 --server.headless true --client.toolbarMode viewer --client.showErrorDetails none"]
