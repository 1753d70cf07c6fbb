# borderbrief: a two-stage image. Stage 1 builds the wheel; stage 2 installs only that wheel
# (with its dependencies) into a virtualenv and runs as an unprivileged user.
# Configuration comes from the environment (BORDERBRIEF_*) or /data/.env; the SQLite file lives on
# the /data volume. The ENTRYPOINT is the command, so `docker run IMAGE poll --once` works.
# BORDERBRIEF_CONTAINER=1 tells `run` there is no terminal here: without a token it stops with
# one line instead of previewing and being restarted in a loop. The endpoint binds every
# interface inside the container (the port mapping decides who reaches it).
# tests/ops/test_container.py runs these steps in a clean venv to keep them honest.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY briefings ./briefings
COPY config ./config
RUN python -m pip wheel --no-cache-dir --no-deps . -w /wheels

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/borderbrief/bin:$PATH \
    BORDERBRIEF_DATABASE_URL=sqlite+aiosqlite:////data/borderbrief.db \
    BORDERBRIEF_DATA_DIR=/data \
    BORDERBRIEF_HTTP_PORT=8080 \
    BORDERBRIEF_HTTP_HOST=0.0.0.0 \
    BORDERBRIEF_LOG_FORMAT=json \
    BORDERBRIEF_CONTAINER=1
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin borderbrief \
    && mkdir -p /data \
    && chown borderbrief:borderbrief /data
COPY --from=build /wheels /wheels
RUN python -m venv /opt/borderbrief \
    && /opt/borderbrief/bin/pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels
USER borderbrief
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('BORDERBRIEF_HTTP_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["borderbrief"]
CMD ["run"]
