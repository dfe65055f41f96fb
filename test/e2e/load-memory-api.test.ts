/**
 * 100 concurrent callers, each storing a memory and searching for it, against
 * the memory-api template. Asserts that every request is answered, nothing is
 * lost and nothing is stored twice. Latencies are reported, not asserted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { callWebhook } from './harness/n8n';

interface Stored {
	id: string;
	created: boolean;
	namespace: string;
}
interface Found {
	count: number;
	results: Array<{ id: string; text: string }>;
}

const CALLERS = 100;
// Not "e2e-…": the stored-rows check at the end of the tier counts those exactly.
const ns = `load-${Date.now()}`;

/** A letters-only token per caller, so full-text search can tell the memories apart. */
function token(i: number): string {
	let s = '';
	let n = i + 26 * 26;
	while (n > 0) {
		s = String.fromCharCode(97 + (n % 26)) + s;
		n = Math.floor(n / 26);
	}
	return `zq${s}`;
}

function percentile(sorted: number[], p: number): number {
	const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
	return Math.round(sorted[Math.max(0, idx)] * 10) / 10;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const t0 = performance.now();
	const value = await fn();
	return { value, ms: performance.now() - t0 };
}

describe('memory-api under 100 concurrent callers', () => {
	it('answers every store and search, loses nothing and stores nothing twice', async () => {
		const started = performance.now();
		const runs = await Promise.all(
			Array.from({ length: CALLERS }, async (_, i) => {
				const text = `Load memory ${i} carries the token ${token(i)}`;
				const store = await timed(() =>
					callWebhook<Stored>('memory/store', { text, namespace: ns, metadata: { caller: i } }),
				);
				const search = await timed(() =>
					callWebhook<Found>('memory/search', { query: text, namespace: ns, topK: 3 }),
				);
				return { i, text, store, search };
			}),
		);
		const wallMs = performance.now() - started;

		expect(runs.map((r) => r.store.value.status)).toEqual(runs.map(() => 201));
		expect(runs.map((r) => r.search.value.status)).toEqual(runs.map(() => 200));
		expect(runs.every((r) => r.store.value.body.created === true)).toBe(true);
		const ids = runs.map((r) => r.store.value.body.id);
		expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
		expect(new Set(ids).size).toBe(CALLERS);
		// Each caller finds its own memory first.
		for (const r of runs) {
			expect({ i: r.i, top: r.search.value.body.results[0]?.id }).toEqual({
				i: r.i,
				top: r.store.value.body.id,
			});
			expect(r.search.value.body.results[0].text).toBe(r.text);
		}

		// The namespace holds exactly the 100 memories, once each.
		const all = await callWebhook<Found>('memory/search', {
			query: 'load memory token',
			namespace: ns,
			topK: 1000,
		});
		expect(all.status).toBe(200);
		expect(all.body.count).toBe(CALLERS);
		expect(new Set(all.body.results.map((r) => r.id))).toEqual(new Set(ids));

		const store = runs.map((r) => r.store.ms).sort((a, b) => a - b);
		const search = runs.map((r) => r.search.ms).sort((a, b) => a - b);
		const report = {
			template: 'memory-api',
			concurrency: CALLERS,
			requests: CALLERS * 2,
			answered: runs.length * 2,
			lost: 0,
			duplicated: CALLERS - new Set(ids).size,
			store_p50_ms: percentile(store, 50),
			store_p95_ms: percentile(store, 95),
			search_p50_ms: percentile(search, 50),
			search_p95_ms: percentile(search, 95),
			all_p50_ms: percentile(
				[...store, ...search].sort((a, b) => a - b),
				50,
			),
			all_p95_ms: percentile(
				[...store, ...search].sort((a, b) => a - b),
				95,
			),
			wall_ms: Math.round(wallMs),
			measuredAt: new Date().toISOString(),
		};
		const out = path.join(__dirname, '..', '..', 'test-artifacts', 'load-memory-api.json');
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
		console.log(
			`memory-api, ${CALLERS} concurrent callers: store p50 ${report.store_p50_ms} ms, p95 ${report.store_p95_ms} ms; search p50 ${report.search_p50_ms} ms, p95 ${report.search_p95_ms} ms; all p50 ${report.all_p50_ms} ms, p95 ${report.all_p95_ms} ms (${report.wall_ms} ms wall)`,
		);
	});
});
