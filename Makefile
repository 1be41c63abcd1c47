# Sentinel: the two commands a new user needs are `make start` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup start stop admin test fresh-check stress bench drills docker-check migrate seed create-admin clean nuke cluster cluster-stop

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Generate keys, TLS certificates and .env files; start PostgreSQL and Redis
	@bash scripts/setup.sh
	@bash scripts/services.sh start

start: ## Run setup if needed, the databases, migrations, one silo and one web (:9003); Ctrl-C stops it all
	@bash scripts/start.sh

stop: ## Stop what `make start` started
	@bash scripts/stop.sh

admin: ## Make sure Web is up and print the admin panel's URL
	@curl -fsS http://127.0.0.1:$${SERVICE_PORT:-9003}/health >/dev/null 2>&1 || bash scripts/start.sh --background
	@echo "Admin panel: http://localhost:$${ADMIN_PORT:-9004}"

test: ## Bring up the databases, build, run every test project, print "N passed, N failed"
	@bash scripts/test.sh

fresh-check: ## As root, not in CI: remove what the project installs, run make test from a fresh clone of HEAD, put it all back (ARGS=--dry-run)
	@bash scripts/fresh-check.sh $(ARGS)

cluster: ## N silos + M web behind a local proxy on one port: make cluster SILOS=3 WEB=2 (:9003, or :9080 if taken)
	@SILOS=$(or $(SILOS),3) WEB=$(or $(WEB),2) bash scripts/cluster.sh start

cluster-stop: ## Stop what `make cluster` started (processes, proxy, and the databases only if it started them)
	@bash scripts/cluster.sh stop

stress: ## Repeated race tests (RUNS=100)
	@RUNS=$${RUNS:-100} bash scripts/stress.sh

bench: ## Every benchmark (~30 min), then bench/RESULTS.md; ARGS go to bench/run-all.sh, e.g. ARGS="--only sessions --quick"
	@bash bench/run-all.sh $(ARGS)

drills: ## Failure drills under load on a local 3-silo, 2-web cluster; table in .test-results/drills.md
	@bash scripts/drills.sh

docker-check: ## Build both images' build stages without Docker, from exactly what their Dockerfiles COPY
	@bash scripts/docker-check.sh

migrate: ## Apply migrations to DATABASE_URL (or the local database) and exit
	@bash scripts/migrate.sh

seed: ## Demo data, through the cluster of make start (started if down): alice owner, bob viewer of "demo", the /demo client app, a service app (key printed once); idempotent
	@curl -fsS http://127.0.0.1:$${SERVICE_PORT:-9003}/health >/dev/null 2>&1 || bash scripts/start.sh --background
	@bash scripts/bootstrap.sh seed

create-admin: ## Pre-provision an admin: make create-admin EMAIL=person@example.com
	@bash scripts/bootstrap.sh create-admin "$(EMAIL)"

clean: ## Stop the databases and delete their data
	@bash scripts/stop.sh || true
	@bash scripts/services.sh clean

nuke: clean ## clean, plus keys, env files and build outputs
	@rm -rf keys/private.pem keys/public.pem keys/tls .env .env.prod .run .test-results
	@find . -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
	@echo "Removed keys, env files and build outputs."
