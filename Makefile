# Pororoca's front door. `make demo` runs everything; `make test` proves it.
SHELL := /bin/bash
UV ?= uv
VENV := .venv
# uv (and nothing else) may live in the cache's bin/ when `prereqs` installed it there.
CACHE_DIR := $(or $(POROROCA_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pororoca)
export PATH := $(CACHE_DIR)/bin:$(PATH)
PORO := $(VENV)/bin/pororoca
S ?= trino

.PHONY: help prereqs doctor urls venv lock install up down status logs reset demo test test-unit test-integration lint fmt bench-stack bench-sources bench-cdc bench-snapshot bench-curation bench-incremental bench-fraud bench-fraud-train bench-feeds bench-dashboards bench-scale bench-newcomer test-charts kind-up kind-down images

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

prereqs: ## install what the machine lacks (Debian/Ubuntu as root), or print what to run; fast when all is there
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "prereqs: needs python3 >= 3.11 (Debian 12: sudo apt-get install python3 python3-pip)"; exit 1; }
	@PYTHONPATH=stack python3 -m pororoca_core.prereqs

# requirements.lock pins every Python package with its hashes; uv refuses anything that does not match.
$(VENV)/.synced: pyproject.toml requirements.lock | prereqs
	@test -x $(VENV)/bin/python || $(UV) venv --python 3.11 $(VENV)
	$(UV) pip sync --python $(VENV)/bin/python --require-hashes requirements.lock
	$(UV) pip install --python $(VENV)/bin/python --no-deps -e .
	@touch $@

venv: $(VENV)/.synced ## create the project's virtual environment from requirements.lock

lock: ## re-resolve Python pins after editing pyproject.toml or stack/venvs/*.in
	$(UV) lock
	$(UV) export --format requirements-txt --no-emit-project --all-groups --no-header > requirements.lock
	$(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
		--no-header stack/venvs/airflow.in -o stack/venvs/airflow.lock
	$(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
		--no-header stack/venvs/superset.in -o stack/venvs/superset.lock
	$(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
		--no-header stack/venvs/fraud.in -o stack/venvs/fraud.lock
	$(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
		--no-header --override stack/venvs/openmetadata.overrides stack/venvs/openmetadata.in -o stack/venvs/openmetadata.lock

install: venv ## install every component into ~/.cache/pororoca (idempotent)
	$(PORO) stack install

up: venv ## start the whole stack and wait until it is healthy
	$(PORO) stack up

down: venv ## stop the stack gracefully (data is kept)
	$(PORO) stack down

status: venv ## service, pid, health, ports, memory
	$(PORO) stack status

logs: venv ## show a service's log: make logs S=<service>
	$(PORO) stack logs $(S) -n 200

reset: venv ## stop and delete all state (asks for CONFIRM=yes)
	$(PORO) stack reset $(if $(filter yes,$(CONFIRM)),--yes,)

demo: venv ## check the machine, start everything, load the sources, capture, curate and compute KPIs via Airflow, partner files, fraud models, dashboards
	$(PORO) stack doctor
	$(PORO) stack up
	$(PORO) sources load --scale 1
	$(PORO) governance sync
	$(PORO) cdc apply
	$(PORO) cdc wait
	$(PORO) jobs pipeline
	$(MAKE) --no-print-directory demo-data
	$(PORO) dashboards apply
	$(PORO) dashboards check
	$(PORO) stack smoke
	$(PORO) stack urls

demo-data: venv ## on the running stack, after the KPIs: partner files (good, spoiled, corrupt), two fraud models (champion and shadow), a live burst scored as it happens, the model monitored (the benches prepare with it too)
	$(PORO) feeds apply
	$(PORO) sources drop --feed credit_bureau_scores --bad-rows 12
	$(PORO) sources drop --feed campaign_events --corrupt
	$(PORO) sources drop --feed acquirer_settlements
	$(PORO) sources drop --feed card_chargebacks --bad-rows 4
	$(PORO) feeds ingest
	$(PORO) fraud train
	$(PORO) fraud train
	$(PORO) sources simulate --rate 200 --duration 45
	$(PORO) cdc wait --timeout 1800
	$(PORO) fraud monitor --days 90

doctor: venv ## is this machine ready? prerequisites, JDKs, ports, memory, disk, directories, clock
	$(PORO) stack doctor

urls: venv ## every UI and endpoint, its users, and the command that prints each password
	$(PORO) stack urls

lint: venv ## ruff (style) and mypy (types of every package)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test-unit: venv ## unit tests (no servers)
	$(VENV)/bin/pytest tests/unit

test-integration: install ## integration tests against a real, separate test stack
	$(VENV)/bin/pytest tests/integration

test-charts: install ## render the Helm chart for every profile and check it offline
	$(VENV)/bin/pytest tests/charts

test: lint install ## everything CI runs
	$(VENV)/bin/pytest --durations=30 tests/unit tests/charts tests/integration

bench-stack: install ## time cold/warm `up` and measure RSS per service (bench/results/stack.json)
	$(VENV)/bin/python bench/stack_bench.py

bench-sources: install ## initial load time at scale 1 and the live workload's rate (bench/results/sources.json)
	$(VENV)/bin/python bench/sources_bench.py

bench-cdc: install ## change rate into bronze and freshness at rising rates, and the sinks' drain rate alone, per topic format side by side (FORMATS=, RATES=) (bench/results/cdc.json)
	$(VENV)/bin/python bench/cdc_bench.py $(if $(FORMATS),--formats $(FORMATS)) $(if $(RATES),--rates $(RATES))

bench-snapshot: install ## the sources' initial snapshot into bronze per scale and mode (bulk, debezium), a fresh stack each (SCALES=, MODES=) (bench/results/snapshot.json)
	$(VENV)/bin/python bench/snapshot_bench.py --scales $(or $(SCALES),1,10) --modes $(or $(MODES),bulk,debezium)

bench-curation: install ## curation throughput, KPI time, Trino on silver before/after maintenance, near-real-time silver (`curate --follow`) at 1,000 and 2,000 changes/s (PARTS=follow: only that, on the bench lake as it is) (bench/results/curation.json)
	$(VENV)/bin/python bench/curation_bench.py --scales $(or $(SCALES),1) $(if $(PARTS),--parts $(PARTS))

bench-fraud: venv ## fraud scoring latency at 500/1,000/2,000 Pix transfers/s and model quality, on the running stack after `make demo`, batch DAGs paused meanwhile (WITH_BATCH=1: not) (bench/results/fraud.json)
	$(VENV)/bin/python bench/fraud_bench.py $(if $(RATES),--rates $(RATES)) $(if $(WITH_BATCH),,--pause-batch)

bench-fraud-train: install ## fraud training time and memory per lake scale, a fresh lake each (bench/results/fraud_train.json)
	$(VENV)/bin/python bench/fraud_train_bench.py --scales $(or $(SCALES),1,10)

bench-feeds: venv ## partner files: files/s and rows/s per format, drop -> queryable in bronze p95, on the running stack after `make demo` (bench/results/feeds.json)
	$(VENV)/bin/python bench/feeds_bench.py

bench-incremental: install ## bronze's new changes by offset watermark vs incremental snapshot scan (bench/results/incremental.json)
	$(VENV)/bin/python bench/incremental_bench.py --scale $(or $(SCALE),0.2)

bench-dashboards: install ## dashboards in Chromium as an analyst works (in-app navigation and filters), full loads and server alone, per scale; RUNNING=1: the stack that is up (bench/results/dashboards.json)
	$(VENV)/bin/python bench/dashboards_bench.py --scales $(or $(SCALES),1) $(if $(RUNNING),--running)

bench-scale: install ## the whole lake per source scale, a fresh stack each (load, capture, curation, KPIs, dashboards, maintenance) and each stage's growth (bench/results/scale.json)
	$(VENV)/bin/python bench/scale_bench.py --scales $(or $(SCALES),1,10)

bench-newcomer: venv ## a fresh clone's `make demo`, again after `make down` (FRESH_CACHE=1, WITH_TEST=1) -> bench/results/newcomer.json
	$(VENV)/bin/python bench/newcomer_bench.py $(if $(FRESH_CACHE),--fresh-cache,) $(if $(WITH_TEST),--with-test,)

# --- Kubernetes (needs Docker, kind and helm; nothing here can run containers) -------------------------------
MANIFEST_VERSION = $(shell $(VENV)/bin/python -c "import tomllib;print(tomllib.load(open('versions.toml','rb'))['components']['$(1)']['version'])")
PROJECT_TAG = $(shell $(VENV)/bin/python -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
KIND_CLUSTER ?= pororoca

images: venv ## build the project, fraud, MinIO, Trino, Airflow and Superset images the chart uses (Docker)
	docker build --target project --build-arg UV_VERSION=$$(uv --version | cut -d' ' -f2) -t pororoca/pororoca:$(PROJECT_TAG) .
	docker build --target fraud --build-arg UV_VERSION=$$(uv --version | cut -d' ' -f2) -t pororoca/fraud:$(PROJECT_TAG) .
	docker build --target minio --build-arg MINIO_VERSION=$(call MANIFEST_VERSION,minio) -t pororoca/minio:$(call MANIFEST_VERSION,minio) .
	docker build --target airflow --build-arg AIRFLOW_VERSION=$(call MANIFEST_VERSION,airflow) -t pororoca/airflow:$(call MANIFEST_VERSION,airflow) .
	docker build --target superset --build-arg SUPERSET_VERSION=$(call MANIFEST_VERSION,superset) -t pororoca/superset:$(call MANIFEST_VERSION,superset) .
	docker build --target trino --build-arg UV_VERSION=$$(uv --version | cut -d' ' -f2) --build-arg TRINO_VERSION=$(call MANIFEST_VERSION,trino) -t pororoca/trino:$(call MANIFEST_VERSION,trino) .

kind-up: images ## create a kind cluster, load the images, install the chart with values-kind.yaml, run helm test
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --name $(KIND_CLUSTER)
	kind load docker-image --name $(KIND_CLUSTER) pororoca/pororoca:$(PROJECT_TAG) pororoca/fraud:$(PROJECT_TAG) pororoca/minio:$(call MANIFEST_VERSION,minio) pororoca/trino:$(call MANIFEST_VERSION,trino) pororoca/superset:$(call MANIFEST_VERSION,superset) pororoca/airflow:$(call MANIFEST_VERSION,airflow)
	helm upgrade --install pororoca charts/pororoca -f charts/pororoca/values-kind.yaml --wait --timeout 30m
	helm test pororoca --timeout 10m

kind-down: ## delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)
