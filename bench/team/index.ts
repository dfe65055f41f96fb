/**
 * Agent Team benchmark. Run: npm run bench:team
 * (node -r ./scripts/ts-register.js bench/team/index.ts)
 *
 * 1. Orchestration overhead per delegation: a coordinate team whose leader
 *    delegates once per turn, against a plain agent loop making the same
 *    model calls, both on a zero-latency scripted model.
 * 2. Broadcast of 8 members whose model takes 200 ms, against calling them
 *    one after another.
 * 3. 620 member runs at once in one process (62 broadcast teams of 10, 200 ms
 *    each): wall time and peak RSS, against 620 bare model calls at once and
 *    a sequential loop (extrapolated from one team).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
	chainLeader,
	median,
	memberNames,
	plainAgentLoop,
	plainSequentialBroadcast,
	team,
} from './harness';
import { FakeToolCallingModel } from '../../test/unit/team/fake-model';

const DELEGATIONS = 50;
const RUNS = 20;

async function overhead() {
	const members = memberNames(4);
	const teamRun = async () => {
		const start = performance.now();
		const result = await team('coordinate', chainLeader(DELEGATIONS, members), members, 0, {
			maxTurns: DELEGATIONS + 1,
			maxDelegations: DELEGATIONS,
		}).run('task');
		if (result.status !== 'completed' || result.delegations !== DELEGATIONS) {
			throw new Error(`unexpected team result ${result.status} ${result.delegations}`);
		}
		return performance.now() - start;
	};
	const plainRun = async () => {
		const leader = chainLeader(DELEGATIONS, ['x']);
		const member = new FakeToolCallingModel(['result']);
		const start = performance.now();
		await plainAgentLoop(leader, member, DELEGATIONS + 1);
		return performance.now() - start;
	};
	for (let i = 0; i < 3; i++) {
		await teamRun();
		await plainRun();
	}
	const teamMs: number[] = [];
	const plainMs: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		teamMs.push(await teamRun());
		plainMs.push(await plainRun());
	}
	const t = median(teamMs);
	const p = median(plainMs);
	return {
		teamMs: t,
		plainMs: p,
		perDelegation: (t - p) / DELEGATIONS,
		plainPerDelegation: p / DELEGATIONS,
	};
}

async function broadcast8() {
	const members = memberNames(8);
	const walls: number[] = [];
	for (let i = 0; i < 5; i++) {
		const start = performance.now();
		const result = await team(
			'broadcast',
			new FakeToolCallingModel(['synthesis']),
			members,
			200,
		).run('task');
		if (result.status !== 'completed') throw new Error(`broadcast ${result.status}`);
		walls.push(performance.now() - start);
	}
	const start = performance.now();
	await plainSequentialBroadcast(8, 200);
	return { teamMs: median(walls), sequentialMs: performance.now() - start };
}

function child(scenario: 'team' | 'bare', teams: number, members: number, delay: number) {
	const out = execFileSync(
		process.execPath,
		[
			'-r',
			'./scripts/ts-register.js',
			path.join('bench', 'team', 'concurrent.ts'),
			scenario,
			String(teams),
			String(members),
			String(delay),
		],
		{ cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' },
	);
	return JSON.parse(out) as {
		wallMs: number;
		peakRssMb: number;
		baseRssMb: number;
		completed: number;
		runs: number;
	};
}

async function sequentialOneTeam(delay: number) {
	const start = performance.now();
	await plainSequentialBroadcast(10, delay);
	return performance.now() - start;
}

async function main() {
	const o = await overhead();
	const b = await broadcast8();
	const many = child('team', 62, 10, 200);
	if (many.completed !== 62) throw new Error(`only ${many.completed} of 62 teams completed`);
	const bare = child('bare', 62, 10, 200);
	const seqOne = await sequentialOneTeam(200);

	const rows: Array<[string, string, string]> = [
		[
			'overhead per delegation (zero-latency model)',
			`${o.perDelegation.toFixed(3)} ms`,
			`plain loop: ${o.plainPerDelegation.toFixed(3)} ms per delegation in total`,
		],
		[
			`coordinate run, ${DELEGATIONS} delegations`,
			`${o.teamMs.toFixed(1)} ms`,
			`plain agent loop: ${o.plainMs.toFixed(1)} ms`,
		],
		[
			'broadcast 8 members x 200 ms',
			`${b.teamMs.toFixed(1)} ms`,
			`sequential loop: ${b.sequentialMs.toFixed(1)} ms`,
		],
		[
			'620 member runs (62 teams x 10), wall',
			`${many.wallMs.toFixed(0)} ms`,
			`620 bare model calls at once: ${bare.wallMs.toFixed(0)} ms; sequential (62 x one team): ~${(seqOne * 62).toFixed(0)} ms`,
		],
		[
			'620 member runs, peak RSS',
			`${many.peakRssMb.toFixed(0)} MB`,
			`620 bare model calls: ${bare.peakRssMb.toFixed(0)} MB (process at start: ${many.baseRssMb.toFixed(0)} MB)`,
		],
	];
	const width = Math.max(...rows.map((r) => r[0].length));
	console.log(`${'measure'.padEnd(width)}  ${'agent team'.padEnd(12)}  alternative`);
	for (const [name, value, alt] of rows)
		console.log(`${name.padEnd(width)}  ${value.padEnd(12)}  ${alt}`);

	const results = {
		overhead_ms_per_delegation: round(o.perDelegation),
		broadcast_8x200_ms: round(b.teamMs),
		agents_620_rss_mb: round(many.peakRssMb),
		agents_620_wall_ms: round(many.wallMs),
		details: {
			delegations_per_run: DELEGATIONS,
			coordinate_run_ms: round(o.teamMs),
			plain_loop_run_ms: round(o.plainMs),
			broadcast_8x200_sequential_ms: round(b.sequentialMs),
			bare_620_calls_wall_ms: round(bare.wallMs),
			bare_620_calls_rss_mb: round(bare.peakRssMb),
			sequential_620_estimated_ms: round(seqOne * 62),
			node: process.version,
			langgraph_supervisor: 'not installed; not compared',
		},
	};
	const file = path.resolve(__dirname, '..', 'results', 'team.json');
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(results, null, '\t') + '\n');
	console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
