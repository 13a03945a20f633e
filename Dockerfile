# One image for every part: web, worker and scheduler.
# The pages' front-end libraries (htmx, ECharts) come from the npm registry as package-lock.json
# pins them, in a build stage; only their files reach the image (HUIXIANG_ASSETS_DIR).
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HUIXIANG_ASSETS_DIR=/app/node_modules
WORKDIR /app
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install --no-cache-dir -c constraints.txt -e . && useradd --system huixiang
USER huixiang
EXPOSE 8000
CMD ["huixiang", "web", "--host", "0.0.0.0", "--port", "8000"]
