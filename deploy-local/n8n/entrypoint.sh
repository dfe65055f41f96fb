#!/bin/sh
# Puts the baked n8n-nodes-agent-os into n8n's community package folder
# (<user folder>/.n8n/nodes/node_modules), which lives on the n8n_data volume,
# then hands over to the image's own entrypoint. The copy is refreshed only when
# the image carries a different build, so restarts are cheap and packages the
# user installed from the editor stay untouched.
set -eu

baked=/opt/agentos/nodes
nodes="${N8N_USER_FOLDER:-/home/node}/.n8n/nodes"
pkg=n8n-nodes-agent-os

mkdir -p "$nodes/node_modules"
if ! cmp -s "$baked/.build-id" "$nodes/node_modules/$pkg/.build-id" 2>/dev/null; then
	rm -rf "$nodes/node_modules/$pkg.tmp"
	cp -R "$baked/node_modules/$pkg" "$nodes/node_modules/$pkg.tmp"
	cp "$baked/.build-id" "$nodes/node_modules/$pkg.tmp/.build-id"
	rm -rf "$nodes/node_modules/$pkg"
	mv "$nodes/node_modules/$pkg.tmp" "$nodes/node_modules/$pkg"
	echo "n8n-nodes-agent-os: installed build $(cut -c1-12 "$baked/.build-id") into $nodes"
fi

# Record the package in nodes/package.json the way n8n's installer does,
# keeping any other community packages listed there.
node -e '
const fs = require("fs");
const [file, baked] = process.argv.slice(1);
const version = JSON.parse(fs.readFileSync(baked, "utf8")).dependencies["n8n-nodes-agent-os"];
let pkg = { name: "installed-nodes", private: true, dependencies: {} };
try { pkg = JSON.parse(fs.readFileSync(file, "utf8")); } catch {}
pkg.dependencies = { ...(pkg.dependencies || {}), "n8n-nodes-agent-os": version };
fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
' "$nodes/package.json" "$baked/package.json"

# Platforms without a separate init job (the Render blueprint) import the
# templates here; the marker in the user folder keeps it to the first start.
if [ "${AGENTOS_IMPORT_ON_START:-0}" = 1 ]; then
	/bin/sh /opt/agentos/init/import.sh
fi

# Platforms that cannot pass container arguments choose the n8n command
# (worker, webhook) through AGENTOS_N8N_COMMAND.
if [ "$#" -eq 0 ] && [ -n "${AGENTOS_N8N_COMMAND:-}" ]; then
	# shellcheck disable=SC2086 # split "worker --concurrency=10" into words
	set -- $AGENTOS_N8N_COMMAND
fi

exec /docker-entrypoint.sh "$@"
