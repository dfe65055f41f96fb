import { randomUUID } from 'node:crypto';
import { DIRECT_REPLY_TO, type AgentBus, type Subscription } from './bus';
import { assertAgentName, createEnvelope, type Envelope } from './envelope';
import { ValidationError } from './errors';

/** Event types the registry uses on the events exchange. */
export const REGISTRY_EVENTS = {
	announce: 'agent.announce',
	heartbeat: 'agent.heartbeat',
	goodbye: 'agent.goodbye',
	discover: 'agent.discover',
} as const;

export interface AgentInfo {
	name: string;
	/** One per running process serving the agent. */
	instanceId: string;
	capabilities: string[];
	description: string | null;
	metadata: Record<string, unknown>;
	startedAt: string;
	/** When this instance last spoke (heartbeat or discovery answer). */
	lastSeen: string;
}

export interface AnnounceInput {
	name: string;
	capabilities?: string[];
	description?: string;
	metadata?: Record<string, unknown>;
	/** Heartbeat interval (default 5 s). */
	heartbeatMs?: number;
}

export interface Presence {
	readonly info: AgentInfo;
	/** Stops heartbeats, says goodbye and stops answering discovery. */
	stop(): Promise<void>;
}

const CAPABILITY_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

function assertCapabilities(caps: unknown): string[] {
	if (caps === undefined) return [];
	if (!Array.isArray(caps)) throw new ValidationError('capabilities must be a list of names');
	for (const c of caps) {
		if (typeof c !== 'string' || !CAPABILITY_RE.test(c)) {
			throw new ValidationError(
				`capability ${JSON.stringify(c)} is not valid`,
				'Use short names of letters, digits and . _ : / -, e.g. "summarize" or "translate:de".',
			);
		}
	}
	return [...new Set(caps as string[])];
}

/**
 * Makes an agent visible: announces it, sends heartbeats, and answers
 * discovery requests from `listAgents` with its capabilities.
 */
export async function announce(bus: AgentBus, input: AnnounceInput): Promise<Presence> {
	const name = assertAgentName(input.name, 'agent name');
	const heartbeatMs = input.heartbeatMs ?? 5000;
	if (!Number.isFinite(heartbeatMs) || heartbeatMs < 100) {
		throw new ValidationError(`heartbeat ${heartbeatMs} ms is not valid`, 'Use 100 ms or more.');
	}
	const started = new Date().toISOString();
	const info: AgentInfo = {
		name,
		instanceId: randomUUID(),
		capabilities: assertCapabilities(input.capabilities),
		description: input.description ?? null,
		metadata: input.metadata ?? {},
		startedAt: started,
		lastSeen: started,
	};
	const current = (): AgentInfo => ({ ...info, lastSeen: new Date().toISOString() });
	const discovery: Subscription = await bus.consume(
		{ topics: [REGISTRY_EVENTS.discover] },
		async ({ envelope }) => {
			if (!envelope.replyTo) return;
			await bus.reply(envelope, {
				sender: name,
				payload: current(),
				type: REGISTRY_EVENTS.announce,
			});
		},
		{ maxAttempts: 1 },
	);
	const beat = (type: string) =>
		bus.publishEvent({ type, sender: name, payload: current(), priority: 9 }).then(
			() => undefined,
			() => undefined,
		);
	await bus.publishEvent({
		type: REGISTRY_EVENTS.announce,
		sender: name,
		payload: current(),
		priority: 9,
	});
	const timer = setInterval(() => void beat(REGISTRY_EVENTS.heartbeat), heartbeatMs);
	timer.unref?.();
	let stopped = false;
	return {
		info,
		stop: async () => {
			if (stopped) return;
			stopped = true;
			clearInterval(timer);
			await discovery.cancel();
			await beat(REGISTRY_EVENTS.goodbye);
		},
	};
}

export interface ListAgentsOptions {
	/** How long to collect answers (default 300 ms). */
	waitMs?: number;
	/** Only agents offering this capability. */
	capability?: string;
	/** Only instances of this agent name. */
	name?: string;
}

/** A client name made usable as an envelope sender. */
function asSenderName(name: string): string {
	const cleaned = name.replace(/[^A-Za-z0-9._:@-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
	return cleaned.slice(0, 128) || 'client';
}

function asAgentInfo(env: Envelope): AgentInfo | null {
	const p = env.payload as Partial<AgentInfo> | null;
	if (
		!p ||
		typeof p !== 'object' ||
		typeof p.name !== 'string' ||
		typeof p.instanceId !== 'string'
	) {
		return null;
	}
	return {
		name: p.name,
		instanceId: p.instanceId,
		capabilities: Array.isArray(p.capabilities)
			? p.capabilities.filter((c) => typeof c === 'string')
			: [],
		description: typeof p.description === 'string' ? p.description : null,
		metadata: p.metadata && typeof p.metadata === 'object' ? p.metadata : {},
		startedAt: typeof p.startedAt === 'string' ? p.startedAt : env.timestamp,
		lastSeen: typeof p.lastSeen === 'string' ? p.lastSeen : env.timestamp,
	};
}

/**
 * Asks every live agent to identify itself and returns those that answer
 * within `waitMs`, sorted by name: the live registry, without a registry server.
 */
export async function listAgents(
	bus: AgentBus,
	opts: ListAgentsOptions = {},
): Promise<AgentInfo[]> {
	const waitMs = opts.waitMs ?? 300;
	if (!Number.isFinite(waitMs) || waitMs < 1 || waitMs > 60_000) {
		throw new ValidationError(`wait ${waitMs} ms is not valid`, 'Use 1 to 60000 ms.');
	}
	const found = new Map<string, AgentInfo>();
	const env = createEnvelope({
		type: REGISTRY_EVENTS.discover,
		sender: asSenderName(bus.clientName),
		replyTo: DIRECT_REPLY_TO,
		payload: { capability: opts.capability ?? null, name: opts.name ?? null },
		priority: 9,
	});
	await bus.gather(env, bus.topology.events, env.type, waitMs, (reply) => {
		const a = asAgentInfo(reply);
		if (a) found.set(a.instanceId, a);
	});
	return [...found.values()]
		.filter((a) => !opts.capability || a.capabilities.includes(opts.capability))
		.filter((a) => !opts.name || a.name === opts.name)
		.sort((a, b) => a.name.localeCompare(b.name) || a.instanceId.localeCompare(b.instanceId));
}

/**
 * A passive view of the registry: follows announcements, heartbeats and
 * goodbyes, and lists instances heard from within `ttlMs`.
 */
export class AgentDirectory {
	private readonly agents = new Map<string, { info: AgentInfo; heardAt: number }>();
	private sub: Subscription | null = null;

	constructor(
		private readonly bus: AgentBus,
		readonly ttlMs = 15_000,
		private readonly now: () => number = Date.now,
	) {}

	async start(): Promise<void> {
		this.sub = await this.bus.consume(
			{ topics: [REGISTRY_EVENTS.announce, REGISTRY_EVENTS.heartbeat, REGISTRY_EVENTS.goodbye] },
			({ envelope }) => this.observe(envelope),
			{ maxAttempts: 1 },
		);
	}

	/** Applies one registry event. */
	observe(env: Envelope): void {
		const info = asAgentInfo(env);
		if (!info) return;
		if (env.type === REGISTRY_EVENTS.goodbye) this.agents.delete(info.instanceId);
		else this.agents.set(info.instanceId, { info, heardAt: this.now() });
	}

	/** Instances heard from within the time-to-live, sorted by name. */
	live(): AgentInfo[] {
		const cutoff = this.now() - this.ttlMs;
		const out: AgentInfo[] = [];
		for (const [id, a] of this.agents) {
			if (a.heardAt < cutoff) this.agents.delete(id);
			else out.push(a.info);
		}
		return out.sort(
			(a, b) => a.name.localeCompare(b.name) || a.instanceId.localeCompare(b.instanceId),
		);
	}

	async stop(): Promise<void> {
		await this.sub?.cancel();
		this.sub = null;
	}
}
