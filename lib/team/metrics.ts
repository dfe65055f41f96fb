import { counter, histogram } from '../metrics';

export const teamMetrics = {
	runs: counter('team_runs_total', 'Agent team runs by mode and final status', ['mode', 'status']),
	delegations: counter('team_delegations_total', 'Member runs started by a team', [
		'mode',
		'outcome',
	]),
	tokens: counter('team_tokens_total', 'Tokens spent by agent teams', ['kind']),
	failures: counter('team_failures_total', 'Member, tool and model failures inside team runs', [
		'mode',
		'kind',
	]),
	runSeconds: histogram('team_run_seconds', 'Wall time of a team run', ['mode']),
};
