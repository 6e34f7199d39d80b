# syntax=docker/dockerfile:1
# Images for the Helm chart (`make kind-up` builds both and loads them into kind):
#   project: our code and CLI, the DAGs, the Iceberg sink plugin for Connect, PySpark with the Iceberg runtime.
#   fraud:   the fraud path's environment (stack/venvs/fraud.lock): the Quix Streams processor, training, MLflow.
#   minio:   MinIO built from source at the manifest's pseudo-version (upstream publishes no binaries).
#   superset: the upstream image plus the Trino and PostgreSQL drivers it ships without, at the versions and
#            hashes of the local stack's lock (stack/venvs/superset.lock).
#   trino:   the upstream server plus our plugin (governance/trino-audit: access audit, table procedures, masks
#            of unreviewed columns), which the chart's coordinator configuration names.
# Versions come from versions.toml through build arguments; the Makefile passes them.

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm
ARG TRINO_VERSION
ARG SUPERSET_VERSION
ARG AIRFLOW_VERSION

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends maven openjdk-17-jdk-headless \
    && rm -rf /var/lib/apt/lists/*
ARG UV_VERSION
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
# The CLI reads data that lives beside its packages (services.toml, versions.toml, connector definitions,
# migrations, config templates): install the source tree in place, as a checkout does.
WORKDIR /opt/pororoca/src
COPY requirements.lock pyproject.toml README.md versions.toml ./
RUN uv venv /opt/pororoca/venv --python /usr/local/bin/python \
    && uv pip sync --python /opt/pororoca/venv/bin/python --require-hashes requirements.lock
COPY stack stack
COPY sources sources
COPY cdc cdc
COPY iceberg_catalog iceberg_catalog
COPY governance governance
COPY metadata metadata
COPY spark_apps spark_apps
COPY superset_dashboards superset_dashboards
COPY fraud fraud
COPY feeds feeds
RUN uv pip install --python /opt/pororoca/venv/bin/python --no-deps -e . \
    && POROROCA_CACHE_DIR=/cache /opt/pororoca/venv/bin/pororoca install --only iceberg_sink,spark,trino_audit \
    && mkdir -p /opt/pororoca/plugins /opt/pororoca/spark-jars /opt/trino-plugin \
    && cp -r /cache/components/iceberg_sink-*/iceberg-kafka-connect /opt/pororoca/plugins/ \
    && cp /cache/components/spark-*/*.jar /opt/pororoca/spark-jars/ \
    && cp -r /cache/components/trino_audit-*/plugin/. /opt/trino-plugin/ \
    && POROROCA_CACHE_DIR=/opt/pororoca/cache /opt/pororoca/venv/bin/pororoca install --only openmetadata,fraud
# OpenMetadata's ingestion environment (the catalog DAG's tasks) and the fraud environment (the retraining DAG's
# `pororoca fraud train`) are venvs whose scripts name their path: built where the image keeps them
# (POROROCA_CACHE_DIR below), not copied there.

FROM ${PYTHON_IMAGE} AS project
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin pororoca
COPY --from=build /opt/pororoca /opt/pororoca
COPY dags /opt/pororoca/dags
ENV PATH=/opt/pororoca/venv/bin:$PATH POROROCA_SPARK_JARS=/opt/pororoca/spark-jars PYTHONUNBUFFERED=1 \
    POROROCA_CACHE_DIR=/opt/pororoca/cache
USER 10001
ENTRYPOINT []
CMD ["pororoca", "--help"]

FROM ${PYTHON_IMAGE} AS fraud
ARG UV_VERSION
COPY stack/venvs/fraud.lock /tmp/fraud.lock
RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && uv venv /opt/fraud --python /usr/local/bin/python \
    && uv pip sync --python /opt/fraud/bin/python --require-hashes /tmp/fraud.lock \
    && pip uninstall -y uv && rm /tmp/fraud.lock \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin pororoca
# The processor imports the foundation's stdlib-only modules (the lake's pseudonymisation) beside its own package.
COPY fraud /opt/pororoca/src/fraud
COPY stack/pororoca_core /opt/pororoca/src/stack/pororoca_core
ENV PATH=/opt/fraud/bin:$PATH PYTHONPATH=/opt/pororoca/src/fraud:/opt/pororoca/src/stack PYTHONUNBUFFERED=1
USER 10001
ENTRYPOINT []
CMD ["python", "-m", "pororoca_fraud.processor"]

FROM golang:1.26.8-bookworm AS minio-build
ARG MINIO_VERSION
RUN CGO_ENABLED=0 GOBIN=/out go install "github.com/minio/minio@${MINIO_VERSION}"

FROM debian:bookworm-20260202-slim AS minio
COPY --from=minio-build /out/minio /usr/local/bin/minio
RUN useradd --uid 1000 --shell /usr/sbin/nologin minio
USER 1000
ENTRYPOINT ["minio"]

FROM trinodb/trino:${TRINO_VERSION} AS trino
COPY --from=build /opt/trino-plugin/ /usr/lib/trino/plugin/

# Upstream Airflow plus the Kafka provider the landing bucket's asset watcher runs in the triggerer, at the
# versions and hashes of the local stack's lock (packages the image already has at those pins are kept).
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11 AS airflow
COPY stack/venvs/airflow.lock stack/pororoca_stack/lock_subset.py /tmp/
RUN python3 /tmp/lock_subset.py /tmp/airflow.lock apache-airflow-providers-apache-kafka \
        apache-airflow-providers-common-messaging > /tmp/kafka.txt \
    && pip install --no-cache-dir --require-hashes -r /tmp/kafka.txt

FROM apache/superset:${SUPERSET_VERSION} AS superset
USER root
COPY stack/venvs/superset.lock stack/pororoca_stack/lock_subset.py /tmp/
RUN python3 /tmp/lock_subset.py /tmp/superset.lock trino psycopg2-binary > /tmp/drivers.txt \
    && python3 -m pip --python /app/.venv/bin/python install --no-cache-dir --require-hashes -r /tmp/drivers.txt \
    && rm /tmp/superset.lock /tmp/lock_subset.py /tmp/drivers.txt
USER superset
