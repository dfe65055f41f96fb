#!/usr/bin/env bash
# A stand-in for the docker CLI used by deploy-script.test.ts. Appends every call
# (with COMPOSE_PROFILES) to $FAKE_DOCKER_LOG and answers like a Docker host on
# which every container becomes healthy, except:
#   FAKE_UNHEALTHY="svc ..."   these services stay in health "starting"
#   FAKE_INIT_EXIT=N           the n8n-init job exits with code N (default 0)
#   FAKE_DOCKER_VERSION, FAKE_COMPOSE_VERSION, FAKE_DOCKER_MEMORY (bytes)
set -u
printf '%s|profiles=%s\n' "$*" "${COMPOSE_PROFILES:-}" >>"${FAKE_DOCKER_LOG:?}"

if [[ "${1:-}" == compose ]]; then
	shift
	while [[ "${1:-}" == --project-directory || "${1:-}" == -f || "${1:-}" == --env-file ]]; do
		shift 2
	done
	sub="${1:-}"
	shift
	case "$sub" in
	version) echo "${FAKE_COMPOSE_VERSION:-2.29.7}" ;;
	ps)
		if [[ "${1:-}" == -a ]]; then shift; fi
		if [[ "${1:-}" == -q ]]; then echo "cid-$2"; fi
		;;
	exec) cat >/dev/null ;;
	esac
	exit 0
fi

case "${1:-}" in
version) echo "${FAKE_DOCKER_VERSION:-27.3.1}" ;;
info) echo "${FAKE_DOCKER_MEMORY:-17179869184}" ;;
inspect)
	id="${!#}"
	service="${id#cid-}"
	if [[ " ${FAKE_UNHEALTHY:-} " == *" $service "* ]]; then
		echo "running|starting|0"
	elif [[ "$service" == n8n-init ]]; then
		echo "exited||${FAKE_INIT_EXIT:-0}"
	else
		echo "running|healthy|0"
	fi
	;;
esac
exit 0
