/**
 * What the Vector Memory benchmark's two sides share: each runs in its own
 * child process (so its peak RSS is its own), reads its settings from the
 * parent, and sends back per-query ids and latencies; recall is computed by
 * the parent against the exact ground truth. Children load only this file of
 * the harness (spawn.ts is the parent's).
 */
import * as fs from 'node:fs';

export interface SideConfig {
	dataDir: string;
	n: number;
	queries: number;
	batch: number;
	k: number;
	incrementalN: number;
}

export interface Run {
	/** Milliseconds per query. */
	latencies: number[];
	/** Result ids per query. */
	ids: string[][];
	/** How each query read the vectors (ours only). */
	strategies?: string[];
}

export interface Memory {
	/** Peak RSS in MB of the side's whole process. */
	peakRssMb: number;
	/** RSS and peak right after the database opened (creating it runs initdb). */
	afterOpen: { rssMb: number; peakRssMb: number };
	/** Peak RSS from the open on: loading, indexing, searching (null where it cannot be told apart). */
	peakRssSinceOpenMb: number | null;
	/** RSS when the side finished its searches. */
	endRssMb: number;
}

export const mb = (bytes: number) => Math.round(bytes / 1048576);

export function memorySnapshot() {
	return { rssMb: mb(process.memoryUsage().rss), peakRssMb: peakRssMb() };
}

export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * Snapshot after the database opened; from then on the peak counts afresh
 * (Linux: writing 5 to /proc/self/clear_refs resets the peak RSS), so the
 * moment PGlite creates a database and the work after it are told apart.
 */
export function openedMemory() {
	const afterOpen = memorySnapshot();
	let reset = false;
	try {
		fs.writeFileSync('/proc/self/clear_refs', '5');
		reset = true;
	} catch {
		// Not Linux, or not allowed: only the whole-life peak is reported.
	}
	return (): Memory => {
		const now = peakRssMb();
		return {
			peakRssMb: reset ? Math.max(afterOpen.peakRssMb, now) : now,
			afterOpen,
			peakRssSinceOpenMb: reset ? now : null,
			endRssMb: mb(process.memoryUsage().rss),
		};
	};
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
	const t = performance.now();
	const r = await fn();
	return [r, performance.now() - t];
}

/** In a child: runs the side with the parent's settings and sends the result back. */
export function runSide<R>(main: (config: SideConfig) => Promise<R>): void {
	const config = JSON.parse(process.env.MEMORY_BENCH_SIDE ?? '{}') as SideConfig;
	main(config)
		.then(
			(result) =>
				new Promise<void>((resolve, reject) =>
					(process.send as NonNullable<typeof process.send>)(
						result,
						undefined,
						{},
						(err: Error | null) => (err ? reject(err) : resolve()),
					),
				),
		)
		.then(
			() => process.exit(0),
			(err) => {
				console.error(err);
				process.exit(1);
			},
		);
}
