#!/usr/bin/env bash
# Brings up the n8n-nodes-agent-os stack (docker-compose.yml) on this machine.
#
#   deploy-local/deploy.sh            check the machine, write .env (first run), build,
#                                     start in dependency order, import templates,
#                                     print URLs and logins; safe to run again
#   deploy-local/deploy.sh --scale    the same in queue mode (Redis, workers, webhook processor)
#   deploy-local/deploy.sh --status   containers and their health
#   deploy-local/deploy.sh --logs [service...]
#   deploy-local/deploy.sh --down     stop and remove containers, keep data
#   deploy-local/deploy.sh --reset    stop and DELETE all data volumes (asks first;
#                                     --yes to skip the question, required without a terminal)
#
# Environment overrides (mostly for tests and slow machines):
#   AGENTOS_ENV_FILE          env file to use            (default deploy-local/.env)
#   AGENTOS_HEALTH_TIMEOUT    seconds to wait per stage  (default 300)
#   AGENTOS_HEALTH_INTERVAL   seconds between checks     (default 3)
#   AGENTOS_MIN_MEMORY_MB     minimum memory for Docker  (default 4096; 8192 recommended)
#   AGENTOS_MIN_DISK_GB       minimum free disk          (default 10; 20 recommended)
#   Any port variable of .env.example (N8N_PORT, ...) sets that default for a new .env.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPOSE_FILE="$ROOT/docker-compose.yml"
ENV_TEMPLATE="$ROOT/deploy-local/.env.example"
ENV_FILE="${AGENTOS_ENV_FILE:-$ROOT/deploy-local/.env}"
HEALTH_TIMEOUT="${AGENTOS_HEALTH_TIMEOUT:-300}"
HEALTH_INTERVAL="${AGENTOS_HEALTH_INTERVAL:-3}"
MIN_MEMORY_MB="${AGENTOS_MIN_MEMORY_MB:-4096}"
MIN_DISK_GB="${AGENTOS_MIN_DISK_GB:-10}"
MIN_DOCKER_VERSION="20.10.0"
# depends_on.required (optional Redis outside the scale profile) needs Compose 2.20.
MIN_COMPOSE_VERSION="2.20.0"

PORT_VARS=(N8N_PORT N8N_WEBHOOK_PORT POSTGRES_PORT NEO4J_HTTP_PORT NEO4J_BOLT_PORT RABBITMQ_PORT
	RABBITMQ_MANAGEMENT_PORT GRAFANA_PORT PROMETHEUS_PORT ALERTMANAGER_PORT LOKI_PORT)
SECRET_VARS=(N8N_ENCRYPTION_KEY N8N_RUNNERS_AUTH_TOKEN REDIS_PASSWORD POSTGRES_PASSWORD
	NEO4J_PASSWORD RABBITMQ_PASSWORD GRAFANA_ADMIN_PASSWORD)

STAGE_DATA=(postgres neo4j rabbitmq)
STAGE_N8N=(n8n n8n-runner)
STAGE_OBSERVABILITY=(postgres-exporter loki alloy alertmanager prometheus grafana)

say() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

compose() {
	docker compose --project-directory "$ROOT" -f "$COMPOSE_FILE" --env-file "$ENV_FILE" "$@"
}

# --- versions, memory, disk -------------------------------------------------

# version_ge A B: true when dotted version A >= B (ignores suffixes like -ce, +x).
version_ge() {
	local a b i
	IFS=. read -r -a a <<<"${1%%[-+]*}"
	IFS=. read -r -a b <<<"${2%%[-+]*}"
	for i in 0 1 2; do
		local x="${a[i]:-0}" y="${b[i]:-0}"
		x="${x//[!0-9]/}" y="${y//[!0-9]/}"
		if ((10#${x:-0} > 10#${y:-0})); then return 0; fi
		if ((10#${x:-0} < 10#${y:-0})); then return 1; fi
	done
	return 0
}

check_machine() {
	step "Checking Docker, memory and disk"
	command -v docker >/dev/null 2>&1 || die "docker is not installed or not on PATH (https://docs.docker.com/engine/install/)"

	local docker_version compose_version
	docker_version="$(docker version --format '{{.Server.Version}}' 2>/dev/null)" ||
		die "cannot reach the Docker engine: is it running, and may this user use it?"
	version_ge "$docker_version" "$MIN_DOCKER_VERSION" ||
		die "Docker $docker_version is too old; $MIN_DOCKER_VERSION or newer is needed"
	say "  Docker engine $docker_version"

	compose_version="$(docker compose version --short 2>/dev/null)" ||
		die "the Docker Compose plugin is missing ('docker compose'); install Compose v2"
	compose_version="${compose_version#v}"
	version_ge "$compose_version" "$MIN_COMPOSE_VERSION" ||
		die "Docker Compose $compose_version is too old; $MIN_COMPOSE_VERSION or newer is needed"
	say "  Docker Compose $compose_version"

	local mem_bytes mem_mb
	mem_bytes="$(docker info --format '{{.MemTotal}}' 2>/dev/null || echo 0)"
	[[ "$mem_bytes" =~ ^[0-9]+$ ]] || mem_bytes=0
	mem_mb=$((mem_bytes / 1024 / 1024))
	if ((mem_mb < MIN_MEMORY_MB)); then
		die "Docker has ${mem_mb} MB of memory; the stack needs at least ${MIN_MEMORY_MB} MB (8192 recommended)"
	fi
	((mem_mb >= 8192)) || warn "Docker has ${mem_mb} MB of memory; 8192 MB or more is recommended"
	say "  memory available to Docker: ${mem_mb} MB"

	local disk_kb disk_gb
	disk_kb="$(df -Pk "$ROOT" | awk 'NR == 2 { print $4 }')"
	disk_gb=$((disk_kb / 1024 / 1024))
	if ((disk_gb < MIN_DISK_GB)); then
		die "only ${disk_gb} GB free on the disk holding $ROOT; at least ${MIN_DISK_GB} GB are needed"
	fi
	((disk_gb >= 20)) || warn "${disk_gb} GB free disk; 20 GB or more is recommended"
	say "  free disk: ${disk_gb} GB"
}

# --- .env --------------------------------------------------------------------

# env_get KEY [FILE]: the value of KEY in an env file (no shell evaluation).
env_get() {
	local file="${2:-$ENV_FILE}"
	[[ -f "$file" ]] || return 0
	awk -v key="$1" 'index($0, key "=") == 1 { value = substr($0, length(key) + 2) } END { print value }' "$file"
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_secret() {
	if command -v openssl >/dev/null 2>&1; then
		openssl rand -hex 24
	else
		od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
	fi
}

write_env() {
	step "Writing $ENV_FILE"
	[[ -f "$ENV_TEMPLATE" ]] || die "missing $ENV_TEMPLATE"
	local taken=() tmp line key value port
	tmp="$(mktemp "${ENV_FILE}.XXXXXX")"
	chmod 600 "$tmp"
	while IFS= read -r line || [[ -n "$line" ]]; do
		if [[ ! "$line" =~ ^([A-Z0-9_]+)=(.*)$ ]]; then
			printf '%s\n' "$line" >>"$tmp"
			continue
		fi
		key="${BASH_REMATCH[1]}"
		value="${BASH_REMATCH[2]}"
		# A variable set in the environment becomes the default for the new file.
		if [[ -n "${!key:-}" ]]; then value="${!key}"; fi
		if [[ " ${PORT_VARS[*]} " == *" $key "* ]]; then
			port="$value"
			while port_in_use "$port" || [[ " ${taken[*]} " == *" $port "* ]]; do
				port=$((port + 1))
				((port <= 65535)) || die "no free port found for $key from $value upwards"
			done
			[[ "$port" == "$value" ]] || say "  port $value for $key is taken; using $port"
			taken+=("$port")
			value="$port"
		elif [[ " ${SECRET_VARS[*]} " == *" $key "* && -z "$value" ]]; then
			value="$(random_secret)"
		elif [[ "$key" == N8N_OWNER_PASSWORD && -z "$value" ]]; then
			# n8n wants 8-64 characters with a digit and an upper-case letter.
			value="Ao1$(random_secret | cut -c1-29)"
		fi
		printf '%s=%s\n' "$key" "$value" >>"$tmp"
	done <"$ENV_TEMPLATE"
	if [[ -z "$(env_get N8N_WEBHOOK_URL "$tmp")" ]]; then
		local url
		url="$(env_get N8N_PROTOCOL "$tmp")://$(env_get N8N_HOST "$tmp"):$(env_get N8N_PORT "$tmp")/"
		sed -i.bak "s|^N8N_WEBHOOK_URL=.*|N8N_WEBHOOK_URL=$url|" "$tmp" && rm -f "$tmp.bak"
	fi
	mv "$tmp" "$ENV_FILE"
	say "  secrets generated; file readable by you only (mode 600)"
}

ensure_env() {
	if [[ -f "$ENV_FILE" ]]; then
		step "Using existing $ENV_FILE (never overwritten; delete it to generate a new one)"
	else
		write_env
	fi
}

require_env() {
	[[ -f "$ENV_FILE" ]] || die "no $ENV_FILE: nothing has been deployed from here yet (run deploy-local/deploy.sh)"
}

# --- health waits ------------------------------------------------------------

# service_states SERVICE: one "status|health|exitcode" line per container.
service_states() {
	local id
	for id in $(compose ps -a -q "$1" 2>/dev/null); do
		docker inspect --format '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}' "$id"
	done
}

# wait_for MODE SERVICE...: MODE healthy (all containers healthy) or completed
# (one-shot job exited 0). Fails with the last state once HEALTH_TIMEOUT passes.
wait_for() {
	local mode="$1" service states state status health code ok
	shift
	local deadline=$((SECONDS + HEALTH_TIMEOUT))
	for service in "$@"; do
		printf '  %-18s ' "$service"
		while :; do
			states="$(service_states "$service")"
			ok=1
			state="no container"
			[[ -n "$states" ]] || ok=0
			while IFS='|' read -r status health code; do
				[[ -n "$status" ]] || continue
				state="$status${health:+ ($health)}"
				if [[ "$mode" == completed ]]; then
					if [[ "$status" == exited && "$code" != 0 ]]; then
						printf 'failed\n'
						compose logs --no-color --tail 30 "$service" >&2 || true
						die "$service exited with code $code (log above; more with: deploy-local/deploy.sh --logs $service)"
					fi
					[[ "$status" == exited ]] || ok=0
				else
					if [[ "$status" == exited || "$status" == dead ]]; then
						printf 'stopped\n'
						compose logs --no-color --tail 30 "$service" >&2 || true
						die "$service stopped (exit code $code) instead of becoming healthy (see: deploy-local/deploy.sh --logs $service)"
					fi
					[[ "$health" == healthy ]] || ok=0
				fi
			done <<<"$states"
			if ((ok)); then
				if [[ "$mode" == completed ]]; then printf 'done\n'; else printf 'healthy\n'; fi
				break
			fi
			if ((SECONDS >= deadline)); then
				printf 'timed out\n'
				die "$service did not become ${mode} within ${HEALTH_TIMEOUT}s (last state: $state); see: deploy-local/deploy.sh --logs $service"
			fi
			printf '.'
			sleep "$HEALTH_INTERVAL"
		done
	done
}

start_stage() {
	local title="$1" mode="$2"
	shift 2
	step "$title"
	compose up -d --no-deps "$@"
	wait_for "$mode" "$@"
}

# --- n8n owner, summary ------------------------------------------------------

setup_owner() {
	step "n8n owner account"
	local email password body
	email="$(env_get N8N_OWNER_EMAIL)"
	password="$(env_get N8N_OWNER_PASSWORD)"
	body="{\"email\":\"$email\",\"firstName\":\"Agent\",\"lastName\":\"OS\",\"password\":\"$password\"}"
	# The body goes through stdin so the password never appears in a process list.
	if printf '%s' "$body" | compose exec -T n8n sh -c \
		'wget -q -O /dev/null --header "Content-Type: application/json" --post-file=/dev/stdin http://127.0.0.1:5678/rest/owner/setup' \
		>/dev/null 2>&1; then
		say "  created $email"
	else
		say "  not created: it already exists (or see: deploy-local/deploy.sh --logs n8n)"
	fi
}

print_summary() {
	local host="localhost" bind
	bind="$(env_get BIND_ADDRESS)"
	[[ -z "$bind" || "$bind" == 127.0.0.1 || "$bind" == 0.0.0.0 ]] || host="$bind"
	step "Agent OS stack is up"
	cat <<EOF
  n8n           http://$host:$(env_get N8N_PORT)/   login $(env_get N8N_OWNER_EMAIL) / $(env_get N8N_OWNER_PASSWORD)
  Grafana       http://$host:$(env_get GRAFANA_PORT)/   login $(env_get GRAFANA_ADMIN_USER) / $(env_get GRAFANA_ADMIN_PASSWORD)
  Prometheus    http://$host:$(env_get PROMETHEUS_PORT)/
  Alertmanager  http://$host:$(env_get ALERTMANAGER_PORT)/
  RabbitMQ      http://$host:$(env_get RABBITMQ_MANAGEMENT_PORT)/   login $(env_get RABBITMQ_USER) / $(env_get RABBITMQ_PASSWORD)   (AMQP on port $(env_get RABBITMQ_PORT))
  Neo4j         http://$host:$(env_get NEO4J_HTTP_PORT)/   login neo4j / $(env_get NEO4J_PASSWORD)   (Bolt on port $(env_get NEO4J_BOLT_PORT))
  PostgreSQL    $host:$(env_get POSTGRES_PORT)   user $(env_get POSTGRES_USER), databases $(env_get POSTGRES_DB) and $(env_get AGENTOS_DB)
  Loki          http://$host:$(env_get LOKI_PORT)/ (query it from Grafana)

  Secrets are in $ENV_FILE. Status: deploy-local/deploy.sh --status
EOF
}

# --- actions -----------------------------------------------------------------

deploy() {
	local scale="$1"
	check_machine
	ensure_env
	# Queue mode kept in .env (COMPOSE_PROFILES=scale) counts like --scale.
	if [[ "$(env_get COMPOSE_PROFILES)" == *scale* ]]; then scale=1; fi
	if ((scale)); then
		export COMPOSE_PROFILES=scale N8N_EXECUTIONS_MODE=queue
		STAGE_DATA+=(redis)
		STAGE_N8N+=(n8n-worker n8n-webhook)
		say "  queue mode: Redis, $(env_get N8N_WORKER_REPLICAS) worker(s) and a webhook processor"
	fi

	step "Building the n8n image with n8n-nodes-agent-os"
	compose build n8n

	start_stage "Starting databases and the message broker" healthy "${STAGE_DATA[@]}"
	start_stage "Importing templates and credentials (first start only)" completed n8n-init
	start_stage "Starting n8n" healthy "${STAGE_N8N[@]}"
	start_stage "Starting monitoring" healthy "${STAGE_OBSERVABILITY[@]}"
	setup_owner
	print_summary
}

all_profiles() {
	export COMPOSE_PROFILES=scale
}

status() {
	require_env
	all_profiles
	compose ps -a
}

logs() {
	require_env
	all_profiles
	compose logs --follow --tail 200 "$@"
}

down() {
	require_env
	all_profiles
	step "Stopping the stack (data volumes are kept)"
	compose down --remove-orphans
}

reset() {
	local yes="$1"
	require_env
	if ((!yes)); then
		if [[ ! -t 0 ]]; then
			die "--reset deletes every data volume (workflows, credentials, memories, graphs, metrics); no terminal to ask for confirmation, so nothing was done. Re-run with --reset --yes to confirm."
		fi
		local answer
		printf 'This deletes ALL data of the stack (n8n workflows and credentials, PostgreSQL, Neo4j, RabbitMQ, metrics, logs).\nType "reset" to confirm: '
		read -r answer || answer=""
		[[ "$answer" == reset ]] || die "not confirmed; nothing was deleted"
	fi
	all_profiles
	step "Removing containers and data volumes"
	compose down --volumes --remove-orphans
	say "  done; $ENV_FILE is kept (same ports and secrets on the next deploy)"
}

main() {
	local action=deploy scale=0 yes=0 args=()
	while (($#)); do
		case "$1" in
		--status) action=status ;;
		--logs) action=logs ;;
		--down) action=down ;;
		--reset) action=reset ;;
		--scale) scale=1 ;;
		--yes | -y) yes=1 ;;
		-h | --help)
			usage
			return 0
			;;
		-*) die "unknown option $1 (see --help)" ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	command -v docker >/dev/null 2>&1 || die "docker is not installed or not on PATH"
	case "$action" in
	deploy) deploy "$scale" ;;
	status) status ;;
	logs) logs "${args[@]}" ;;
	down) down ;;
	reset) reset "$yes" ;;
	esac
}

main "$@"
