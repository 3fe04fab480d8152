# The app's one image: the web servers (gunicorn) and the task worker (manage.py worker) run it.
# docs/deploying.md says how; compose.yaml puts it together with PostgreSQL and Caddy.
FROM debian:12-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The system packages .ci/run installs for the app itself: Python, and the libraries and
# fonts WeasyPrint renders PDFs with (the test-only browser, poppler and PostgreSQL server
# are left out).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv make ca-certificates \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 lofte
WORKDIR /app

COPY requirements.lock ./
RUN python3 -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.lock
ENV PATH=/venv/bin:$PATH \
    DJANGO_STATIC_ROOT=/app/staticfiles

COPY . .
# Hashed, compressed static files are part of the image; WhiteNoise serves them.
RUN DJANGO_DEBUG=true python manage.py collectstatic --noinput --verbosity 0

USER lofte
EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "lofte.wsgi"]
