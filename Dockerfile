FROM python:3.11-slim

# Production settings: DEBUG is off (it is the settings' default too; said here so that
# nothing run in this image can start in development mode by accident).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH DJANGO_DEBUG=0
WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
# .dockerignore keeps .env, the virtualenv, databases and certificates out of the image.
COPY . .
# Manifest static files need the production settings, which refuse to start without a
# secret, hosts and a mail backend: throwaway values for this one step, kept nowhere.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
    python manage.py collectstatic --no-input
RUN useradd --system --home /app tracker && chown -R tracker /app
USER tracker
EXPOSE 8000
# The web service; docker-compose.yml runs the worker, beat and release from this image.
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "tracker.wsgi:application"]
