# Novamind app image. Build: docker build -t novamind .  Run with docker-compose.yml (app + PostgreSQL 16).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NOVAMIND_ENVIRONMENT=production

# chromium: Plotly static export (PDF reports) through kaleido.
RUN apt-get update && apt-get install -y --no-install-recommends chromium curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
# The hashed lock (docs/development.md §2); torch is its CPU build, from PyTorch's own index (not the multi-GB CUDA one).
RUN pip install --require-hashes --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY . .
# The project itself, without dependencies (the lock above decides them); the app runs from /app.
RUN pip install --no-deps --no-build-isolation -e .
RUN useradd --create-home --uid 10001 novamind && chown -R novamind /app/data
USER novamind

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS http://127.0.0.1:8501/_stcore/health || exit 1
# Migrations run on deploy, before the server starts; keys and the database URL come from the environment.
CMD ["sh", "-c", "python -m novamind_core migrate && exec streamlit run app.py --server.address 0.0.0.0 --server.port 8501 --server.headless true --client.toolbarMode viewer --client.showErrorDetails none"]
