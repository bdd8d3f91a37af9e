# The job service image: `aleatoric serve` (API) by default, `aleatoric worker` for workers.
#   docker build -t aleatoric:0.1.0 .
# Stage 1 builds a virtual environment with the package and its service extra (and opendata,
# for the scorecards of the daily release); stage 2 copies
# it onto a clean base and runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/aleatoric
WORKDIR /src
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY src ./src
RUN /opt/aleatoric/bin/pip install --upgrade pip \
 && /opt/aleatoric/bin/pip install ".[service,opendata]"

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 aleatoric \
 && useradd --system --uid 10001 --gid aleatoric --create-home --home-dir /home/aleatoric \
      --shell /usr/sbin/nologin aleatoric \
 && mkdir -p /data \
 && chown aleatoric:aleatoric /data
COPY --from=build /opt/aleatoric /opt/aleatoric
ENV PATH=/opt/aleatoric/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ALEATORIC_DATA_DIR=/data \
    ALEATORIC_CACHE_DIR=/data/cache \
    NUMBA_CACHE_DIR=/tmp/numba-cache
USER 10001:10001
WORKDIR /home/aleatoric
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["aleatoric"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
