# One image for every part: web, and (next capability) worker and scheduler.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system huixiang
USER huixiang
EXPOSE 8000
CMD ["huixiang", "web", "--host", "0.0.0.0", "--port", "8000"]
