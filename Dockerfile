# syntax=docker/dockerfile:1
# One image for every Stampede process; the role comes from the arguments:
#   docker run IMAGE                      → stampede serve gateway web (the public entry and pages)
#   docker run IMAGE serve ordering       → the ordering context alone
#   docker run IMAGE migrate              → migrations of the contexts in STAMPEDE_CONTEXTS
#   docker run IMAGE fakepg --host 0.0.0.0 → the fake payment provider
# Settings come from the environment (README "Configuration"); in Kubernetes see deploy/k8s.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: compilers are allowed here, and nothing of this stage but the venv is kept ---
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# build-essential only for a dependency without a wheel for the target platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/venv/bin/pip install /wheels/stampede-*.whl

# --- runtime: the interpreter, the venv and an unprivileged user, nothing else ---
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STAMPEDE_HOST=0.0.0.0 \
    STAMPEDE_DATA_DIR=/var/lib/stampede
RUN groupadd --system --gid 10001 stampede \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /var/lib/stampede --shell /usr/sbin/nologin stampede \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/stampede
COPY --from=builder /opt/venv /opt/venv
WORKDIR /var/lib/stampede
USER 10001:10001
# gateway, the contexts (identity 8101 … community 8109) and fakepg, as in the local defaults;
# the Kubernetes manifests set STAMPEDE_PORT=8080 for every pod.
EXPOSE 8000 8101-8109 8190
ENTRYPOINT ["stampede"]
CMD ["serve", "gateway", "web"]
