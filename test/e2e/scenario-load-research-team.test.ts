import * as fs from 'node:fs';
import * as path from 'node:path';
import { openai } from './harness/openai';
import { executionsOf, hook, notReadyRetries, waitFor } from './scenario-support';

interface ResearchAnswer {
	sessionId: string;
	answer: string;
	status: string;
	recalled: number;
	remembered: boolean;
	memoryId: string;
}

const N = 100;
// Letters only: a run of digits (pid + timestamp) can pass a card checksum by chance, and the
// template's airlock would then rightly redact it from the question.
const run = `${process.pid}-${Date.now()}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]);
const tag = (i: number) => `[load-${run}-${i}]`;

function percentile(sorted: number[], p: number): number {
	const rank = Math.ceil((p / 100) * sorted.length) - 1;
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

describe('research-team under 100 concurrent requests', () => {
	it('answers every request with its own answer, once', async () => {
		await openai.reset();
		await openai.rules(
			...Array.from({ length: N }, (_, i) => ({
				system: 'You lead a team',
				lastContains: tag(i),
				reply: { content: `answer for ${tag(i)}` },
			})),
		);
		const before = new Set((await executionsOf('research-team.json')).map((e) => e.id));
		const retriesBefore = notReadyRetries;

		const started = Date.now();
		const results = await Promise.all(
			Array.from({ length: N }, async (_, i) => {
				const t0 = performance.now();
				const res = await hook<ResearchAnswer>('research-team', {
					sessionId: `load-${run}-${i}`,
					question: `Question ${tag(i)} about heat pumps`,
				});
				return { i, res, ms: performance.now() - t0 };
			}),
		);
		const wallMs = Date.now() - started;

		for (const { i, res } of results) {
			expect(res.status).toBe(200);
			expect(res.body).toEqual(
				expect.objectContaining({
					sessionId: `load-${run}-${i}`,
					answer: `answer for ${tag(i)}`,
					status: 'completed',
					recalled: 0,
					remembered: true,
				}),
			);
		}
		expect(new Set(results.map((r) => r.res.body.memoryId)).size).toBe(N);

		// One model call and one execution per request: nothing lost, nothing run twice.
		const calls = (await openai.requests()).filter((r) =>
			JSON.stringify(r.messages).includes(`[load-${run}-`),
		);
		expect(calls).toHaveLength(N);
		// An execution is saved as finished just after its answer was sent.
		const runs = await waitFor(async () => {
			const mine = (await executionsOf('research-team.json')).filter((e) => !before.has(e.id));
			return mine.every((e) => e.finished) ? mine : undefined;
		}, 'the executions to be saved as finished');
		expect(runs).toHaveLength(N);
		expect(runs.every((e) => e.status === 'success')).toBe(true);

		const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
		const report = {
			template: 'research-team',
			requests: N,
			concurrency: N,
			p50Ms: Math.round(percentile(sorted, 50)),
			p95Ms: Math.round(percentile(sorted, 95)),
			maxMs: Math.round(sorted[sorted.length - 1]),
			wallMs,
			notReadyRetries: notReadyRetries - retriesBefore,
			measuredAt: new Date().toISOString(),
			note: 'Local n8n 1.123.81 (SQLite, regular mode), embedded PGlite storage, scripted OpenAI-compatible server; one model call per request.',
		};
		const out = path.join(__dirname, '..', '..', 'test-artifacts', 'load-research-team.json');
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
		console.log(
			`research-team, ${N} concurrent: p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms, max ${report.maxMs} ms, wall ${wallMs} ms`,
		);
	});
});
