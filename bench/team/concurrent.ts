/**
 * Child process of the benchmark: runs TEAMS teams of MEMBERS members at
 * once (broadcast, every member's model waits DELAY ms), or the same number
 * of bare model calls, and prints wall time and peak RSS as JSON. A fresh
 * process per scenario keeps the peak RSS of one from hiding the other.
 */
import { HumanMessage } from '@langchain/core/messages';
import { FakeToolCallingModel } from '../../test/unit/team/fake-model';
import { memberNames, team } from './harness';

async function main() {
	const [scenario, teamsArg, membersArg, delayArg] = process.argv.slice(2);
	const teams = Number(teamsArg);
	const members = Number(membersArg);
	const delay = Number(delayArg);
	const baseRss = process.memoryUsage().rss;
	const start = performance.now();
	let statuses: string[] = [];
	if (scenario === 'team') {
		const runs = Array.from({ length: teams }, () =>
			team('broadcast', new FakeToolCallingModel(['synthesis']), memberNames(members), delay).run(
				'task',
			),
		);
		statuses = (await Promise.all(runs)).map((r) => r.status);
	} else {
		const calls = Array.from({ length: teams * members }, (_, i) =>
			new FakeToolCallingModel([`r${i}`], { delayMs: delay }).invoke([new HumanMessage('task')]),
		);
		await Promise.all(calls);
		statuses = ['completed'];
	}
	const wallMs = performance.now() - start;
	const peakRssMb = process.resourceUsage().maxRSS / 1024;
	process.stdout.write(
		JSON.stringify({
			wallMs,
			peakRssMb,
			baseRssMb: baseRss / 1024 / 1024,
			completed: statuses.filter((s) => s === 'completed').length,
			runs: statuses.length,
		}),
	);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
