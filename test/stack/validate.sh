#!/usr/bin/env bash
# Checks the bundled stack without a Docker engine:
#   promtool check config / check rules / test rules   (Debian package: prometheus)
#   amtool check-config                                (Debian package: prometheus-alertmanager)
#   static analysis of the deploy and container scripts (Debian package: shellcheck)
#   yamllint on every YAML file of the stack           (Debian package: yamllint)
#   the dashboards' PromQL, parsed by promtool as rules
# The compose schema, dashboards JSON, render.yaml and deploy.sh behaviour are
# covered by the jest suite in test/unit/stack.
# Exits non-zero when a tool is missing or any check fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1

failures=0
run() {
	local title="$1"
	shift
	printf '\n--- %s\n' "$title"
	if "$@"; then
		printf 'ok: %s\n' "$title"
	else
		printf 'FAILED: %s\n' "$title" >&2
		failures=$((failures + 1))
	fi
}

missing=()
for tool in promtool amtool shellcheck yamllint node; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
	echo "missing tools: ${missing[*]} (apt-get install -y prometheus prometheus-alertmanager shellcheck yamllint)" >&2
	exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# promtool resolves rule_files against the container path; point it at the repo copy.
sed "s|/etc/prometheus/rules/|$ROOT/observability/prometheus/rules/|" \
	observability/prometheus/prometheus.yml >"$work/prometheus.yml"

dashboard_rules() {
	# shellcheck disable=SC2016 # the quoted text is JavaScript
	node -e '
const fs = require("fs");
const path = require("path");
const dir = "observability/grafana/dashboards";
const rules = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
	const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
	for (const panel of dashboard.panels || []) {
		for (const target of panel.targets || []) {
			const uid = (target.datasource || panel.datasource || {}).uid;
			if (uid !== "prometheus" || !target.expr) continue;
			// Grafana macros become plain durations so promtool can parse the query.
			const expr = target.expr.replace(/\$__rate_interval|\$__range|\$__interval/g, "5m");
			rules.push({ record: "dashboard:" + file.replace(/\W/g, "_") + ":" + panel.id + target.refId, expr });
		}
	}
}
process.stdout.write(JSON.stringify({ groups: [{ name: "dashboards", rules }] }));
' >"$work/dashboard-rules.json"
	promtool check rules "$work/dashboard-rules.json"
}

run "promtool check config" promtool check config "$work/prometheus.yml"
run "promtool check rules" promtool check rules observability/prometheus/rules/*.yml
run "promtool test rules" promtool test rules observability/prometheus/tests/*.yml
run "dashboard queries parse as PromQL" dashboard_rules
run "amtool check-config" amtool check-config observability/alertmanager/alertmanager.yml
run "shellcheck (bash)" shellcheck -x deploy-local/deploy.sh deploy-local/postgres/init-agentos.sh \
	test/stack/validate.sh test/unit/stack/fake-docker.sh
run "shellcheck (sh)" shellcheck -s sh deploy-local/n8n/entrypoint.sh deploy-local/n8n/import.sh
run "yamllint" yamllint --strict -c test/stack/yamllint.yml docker-compose.yml observability deploy-cloud

if ((failures)); then
	printf '\nstack validation: %d check(s) failed\n' "$failures" >&2
	exit 1
fi
printf '\nstack validation: all checks passed\n'
