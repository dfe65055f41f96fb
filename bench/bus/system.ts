/**
 * CPU accounting for the bus benchmark, read from /proc on Linux: how busy the
 * whole machine was during a run, and how much CPU the broker used when it runs
 * on the same machine. Elsewhere every reading is null and the report leaves
 * those columns out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Kernel clock ticks per second (USER_HZ); 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
	/** All CPUs, in ticks since boot. */
	total: number;
	idle: number;
	/** The broker process's user + system time in ticks, when found. */
	broker: number | null;
}

function readMachine(): { total: number; idle: number } | null {
	try {
		const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
		const f = line.trim().split(/\s+/).slice(1).map(Number);
		// user nice system idle iowait irq softirq steal
		const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
		return { total, idle: f[3] + f[4] };
	} catch {
		return null;
	}
}

function readProcessTicks(pid: number): number | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return Number(f[11]) + Number(f[12]);
	} catch {
		return null;
	}
}

/**
 * The local RabbitMQ's Erlang VM: BENCH_BUS_BROKER_PID, or the one beam.smp
 * process booting the rabbit application (CLI tools such as rabbitmqctl run a
 * beam.smp of their own, without it). Null when the broker runs elsewhere
 * (another host, a container we cannot see).
 */
export function findBrokerPid(): number | null {
	if (process.env.BENCH_BUS_BROKER_PID) return Number(process.env.BENCH_BUS_BROKER_PID);
	let found: number | null = null;
	try {
		for (const entry of fs.readdirSync('/proc')) {
			if (!/^\d+$/.test(entry)) continue;
			try {
				if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
				const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
				if (!argv.some((a, i) => a === '-s' && argv[i + 1] === 'rabbit' && argv[i + 2] === 'boot'))
					continue;
			} catch {
				continue;
			}
			if (found !== null) return null;
			found = Number(entry);
		}
	} catch {
		return null;
	}
	return found;
}

export function sampleCpu(brokerPid: number | null): CpuSample | null {
	const m = readMachine();
	if (!m) return null;
	return { ...m, broker: brokerPid === null ? null : readProcessTicks(brokerPid) };
}

export interface CpuUse {
	/** Share of all CPUs that was busy (any process), 0..1. */
	machineBusy: number;
	/** Broker CPU time per message in µs, when the broker was found. */
	brokerUsPerMsg: number | null;
}

export function cpuBetween(
	a: CpuSample | null,
	b: CpuSample | null,
	messages: number,
): CpuUse | null {
	if (!a || !b || b.total <= a.total) return null;
	const broker =
		a.broker !== null && b.broker !== null
			? ((b.broker - a.broker) / TICKS_PER_SECOND / messages) * 1e6
			: null;
	return {
		machineBusy: 1 - (b.idle - a.idle) / (b.total - a.total),
		brokerUsPerMsg: broker,
	};
}

export const cpuCount = (): number => os.cpus().length;
