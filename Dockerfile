# Image that runs the freight cost pipelines: `docker run IMAGE --help`.
# It is also the parent image of the kubernetes stack's DockerSettings
# (configs/stacks.yaml), so ZenML's build adds only its own layer on top.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ZENML_ANALYTICS_OPT_IN=false \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN useradd --create-home --uid 10001 freight \
    && python -m venv /opt/venv \
    && mkdir /app \
    && chown -R freight:freight /opt/venv /app

# ZenML builds on top of this image as this user, so the virtualenv and
# /app stay writable by it for the packages and code that ZenML adds.
USER freight
WORKDIR /app

COPY --chown=freight:freight requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=freight:freight . .

ENTRYPOINT ["python", "run.py"]
CMD ["--help"]
