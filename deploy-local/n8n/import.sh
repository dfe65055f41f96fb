#!/bin/sh
# The n8n-init job: on the first start of an empty n8n volume, imports the
# plain-data credentials for the bundled services and the workflow templates
# with n8n's own CLI (n8n encrypts credentials with N8N_ENCRYPTION_KEY on
# import), then publishes the templates. A marker in the volume makes every
# later start a no-op; AGENTOS_FORCE_IMPORT=1 imports again (same ids, so
# templates and credentials are updated in place, not duplicated).
set -eu

marker="/home/node/.n8n/.agentos-imported"
templates=/opt/agentos/workflows

if [ -f "$marker" ] && [ "${AGENTOS_FORCE_IMPORT:-0}" != 1 ]; then
	echo "agentos-init: templates were imported on $(cat "$marker"); nothing to do"
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

echo "agentos-init: importing credentials"
node /opt/agentos/init/credentials.js "$work/credentials"
n8n import:credentials --separate --input="$work/credentials"

count=0
for file in "$templates"/*.json; do
	[ -f "$file" ] || continue
	count=$((count + 1))
done

if [ "$count" -gt 0 ]; then
	echo "agentos-init: importing $count workflow template(s)"
	n8n import:workflow --separate --input="$templates"
	# n8n 1.x activates with update:workflow; n8n 2.x has publish:workflow.
	if n8n publish:workflow --help >/dev/null 2>&1; then
		publish="publish"
	else
		publish="update"
	fi
	for file in "$templates"/*.json; do
		id="$(node -e 'const w=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(w.id||""))' "$file")"
		if [ -z "$id" ]; then
			echo "agentos-init: $(basename "$file") has no id; imported but not published" >&2
			continue
		fi
		if [ "$publish" = publish ]; then
			n8n publish:workflow --id="$id"
		else
			n8n update:workflow --id="$id" --active=true
		fi
	done
else
	echo "agentos-init: no templates in $templates"
fi

date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"
echo "agentos-init: done"
