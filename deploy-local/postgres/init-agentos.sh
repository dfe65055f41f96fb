#!/bin/bash
# First start of an empty data volume only (docker-entrypoint-initdb.d):
# creates the database the agent OS nodes use and enables pgvector in it.
set -euo pipefail

db="${AGENTOS_DB:-agentos}"
if [[ ! "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
	echo "AGENTOS_DB must be a lower-case SQL identifier, got: $db" >&2
	exit 1
fi

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	-c "CREATE DATABASE \"$db\";"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" \
	-c 'CREATE EXTENSION IF NOT EXISTS vector;'
