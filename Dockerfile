# The application image: web (gunicorn), worker and beat (Celery) all run from it; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=creditcontrol.settings.production \
    PYTHONPATH=/app

# WeasyPrint (PDF statements) needs Pango and HarfBuzz, and fonts to draw with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 app

WORKDIR /app
COPY . /app
RUN pip install /app

# Static files are collected into the image. Production settings insist on a secret key and allowed
# hosts; these placeholders exist only for this build step and are not kept in the image.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --no-input \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R app:app /app/var

USER app
EXPOSE 8000

# Without a command the image serves the web app; compose names the command for every service.
CMD ["gunicorn", "creditcontrol.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
