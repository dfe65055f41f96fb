import {
	AgentDirectory,
	BusError,
	DedupWindow,
	ValidationError,
	assertTopicPattern,
	backoffDelay,
	brokerFromCredential,
	connectError,
	connectTarget,
	createEnvelope,
	topology,
	type AgentBus,
} from '../../../lib/bus';
import { lastNodeOutput, splitList } from '../../../nodes/AgentBusTrigger/run';
import type { IRun } from 'n8n-workflow';

describe('backoffDelay', () => {
	it('grows exponentially up to the cap', () => {
		const mid = () => 0.5;
		expect(
			[0, 1, 2, 3, 10].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1000 }, mid)),
		).toEqual([100, 200, 400, 800, 1000]);
	});
	it('spreads delays by the jitter fraction', () => {
		expect(backoffDelay(0, { initialMs: 1000, jitter: 0.2 }, () => 0)).toBe(800);
		expect(backoffDelay(0, { initialMs: 1000, jitter: 0.2 }, () => 1)).toBe(1200);
	});
});

describe('DedupWindow', () => {
	it('remembers ids within the window and forgets them after', () => {
		let now = 0;
		const w = new DedupWindow(1000, 100, () => now);
		w.markDone('a');
		expect(w.has('a')).toBe(true);
		expect(w.has('b')).toBe(false);
		now = 1001;
		expect(w.has('a')).toBe(false);
	});
	it('keeps at most maxEntries, dropping the oldest', () => {
		const w = new DedupWindow(60_000, 3, () => 0);
		for (const id of ['a', 'b', 'c', 'd']) w.markDone(id);
		expect(w.size).toBe(3);
		expect(w.has('a')).toBe(false);
		expect(w.has('d')).toBe(true);
	});
	it('lets a redelivery wait for the run in progress and learn its outcome', async () => {
		const w = new DedupWindow();
		expect(w.whenDone('x')).toBeUndefined();
		w.begin('x');
		const first = w.whenDone('x');
		const second = w.whenDone('x');
		w.end('x', true);
		await expect(first).resolves.toBe(true);
		await expect(second).resolves.toBe(true);
		expect(w.whenDone('x')).toBeUndefined();
		expect(w.has('x')).toBe(true);
	});
	it('keeps an id recorded again until its latest recording leaves the window', () => {
		let now = 0;
		const w = new DedupWindow(1000, 100, () => now);
		w.markDone('a');
		now = 600;
		w.markDone('a');
		now = 1200;
		w.markDone('b'); // evicts the first recording of "a"
		expect(w.has('a')).toBe(true);
		expect(w.size).toBe(2);
		now = 1700;
		w.markDone('c');
		expect(w.has('a')).toBe(false);
		expect(w.has('b')).toBe(true);
		expect(w.size).toBe(2);
	});
	it('stays bounded and keeps the newest ids across many windows full', () => {
		const w = new DedupWindow(60_000, 1000, () => 0);
		for (let i = 0; i < 50_000; i++) w.markDone(`id-${i}`);
		expect(w.size).toBe(1000);
		expect(w.has('id-48999')).toBe(false);
		expect(w.has('id-49000')).toBe(true);
		expect(w.has('id-49999')).toBe(true);
	});
	it('claims an id once: later claims see the run in progress, then its outcome', async () => {
		const w = new DedupWindow();
		expect(w.claim('m')).toBe('claimed');
		const raced = w.claim('m');
		expect(raced).toBeInstanceOf(Promise);
		w.end('m', true);
		await expect(raced).resolves.toBe(true);
		expect(w.claim('m')).toBe('done');

		expect(w.claim('n')).toBe('claimed');
		const again = w.claim('n');
		w.end('n', false);
		await expect(again).resolves.toBe(false);
		expect(w.claim('n')).toBe('claimed');
	});
	it('does not remember a failed run', async () => {
		const w = new DedupWindow();
		w.begin('y');
		const waiting = w.whenDone('y');
		w.end('y', false);
		await expect(waiting).resolves.toBe(false);
		expect(w.has('y')).toBe(false);
	});
});

describe('topology', () => {
	it('derives every name from the namespace', () => {
		const t = topology('acme');
		expect([
			t.events,
			t.agents,
			t.dlx,
			t.deadLetterQueue,
			t.agentQueue('writer'),
			t.subscriptionQueue('audit'),
		]).toEqual([
			'acme.events',
			'acme.agents',
			'acme.dlx',
			'acme.dead-letter',
			'acme.agent.writer',
			'acme.sub.audit',
		]);
	});
	it('rejects bad namespaces, agent names and patterns', () => {
		expect(() => topology('has space')).toThrow(ValidationError);
		expect(() => topology().agentQueue('a b')).toThrow(/agent name/);
		expect(assertTopicPattern('task.*')).toBe('task.*');
		expect(assertTopicPattern('#')).toBe('#');
		expect(() => assertTopicPattern('task.')).toThrow(/topic pattern/);
		expect(() => assertTopicPattern('ta*sk')).toThrow(/topic pattern/);
	});
});

describe('broker config', () => {
	it('maps the n8n RabbitMQ credential fields', () => {
		const cfg = brokerFromCredential({
			hostname: 'mq.local',
			port: 5673,
			username: 'bot',
			password: 'pw-123',
			vhost: 'agents',
			ssl: false,
		});
		const t = connectTarget(cfg);
		expect(t.connect).toMatchObject({
			protocol: 'amqp',
			hostname: 'mq.local',
			port: 5673,
			username: 'bot',
			password: 'pw-123',
			vhost: 'agents',
		});
		expect(t.display).toBe('amqp://mq.local:5673/agents');
	});
	it('reads an amqps URL with escaped credentials', () => {
		const t = connectTarget({ url: 'amqps://u%40x:p%3Aw@host/v%2F1' });
		expect(t.connect).toMatchObject({
			protocol: 'amqps',
			port: 5671,
			username: 'u@x',
			password: 'p:w',
			vhost: 'v/1',
		});
	});
	it('refuses an empty host and a wrong scheme', () => {
		expect(() => connectTarget({})).toThrow(/host name is empty/);
		expect(() => connectTarget({ url: 'http://x' })).toThrow(/amqp:\/\/ or amqps:\/\//);
		expect(() => connectTarget({ hostname: 'h', port: 70000 })).toThrow(/port 70000/);
	});
	it('turns connection failures into errors without secrets', () => {
		const t = connectTarget({ hostname: 'h', password: 'hunter22' });
		const refused = connectError(
			Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
			t,
		);
		expect(refused).toBeInstanceOf(BusError);
		expect(refused.message).toBe('cannot reach RabbitMQ at amqp://h:5672/ (connection refused)');
		const login = connectError(
			new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) hunter22'),
			t,
		);
		expect(login.message).toBe('RabbitMQ at amqp://h:5672/ refused the login');
		expect(login.hint).toMatch(/user name, password and vhost/);
		const other = connectError(new Error('weird failure with hunter22 inside'), t);
		expect(other.message).not.toContain('hunter22');
	});
});

describe('AgentDirectory', () => {
	it('tracks announcements and heartbeats within the ttl and drops goodbyes', () => {
		let now = 0;
		const dir = new AgentDirectory({} as AgentBus, 1000, () => now);
		const info = (name: string, instanceId: string) => ({
			name,
			instanceId,
			capabilities: ['x'],
			startedAt: '2026-01-01T00:00:00Z',
			lastSeen: '2026-01-01T00:00:00Z',
		});
		dir.observe(createEnvelope({ type: 'agent.announce', sender: 'w', payload: info('w', '1') }));
		dir.observe(createEnvelope({ type: 'agent.heartbeat', sender: 'a', payload: info('a', '2') }));
		dir.observe(createEnvelope({ type: 'agent.heartbeat', sender: 'a', payload: { junk: true } }));
		expect(dir.live().map((a) => a.name)).toEqual(['a', 'w']);
		now = 900;
		dir.observe(createEnvelope({ type: 'agent.heartbeat', sender: 'w', payload: info('w', '1') }));
		now = 1500;
		expect(dir.live().map((a) => a.name)).toEqual(['w']);
		dir.observe(createEnvelope({ type: 'agent.goodbye', sender: 'w', payload: info('w', '1') }));
		expect(dir.live()).toEqual([]);
	});
});

describe('trigger helpers', () => {
	it('splits comma lists', () => {
		expect(splitList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
		expect(splitList('')).toEqual([]);
	});
	it('takes the last node output as the reply payload', () => {
		const run = (items: Array<{ json: unknown }>) =>
			({
				data: {
					resultData: {
						lastNodeExecuted: 'Answer',
						runData: {
							Answer: [
								{ data: { main: [[{ json: { old: true } }]] } },
								{ data: { main: [items] } },
							],
						},
					},
				},
			}) as unknown as IRun;
		expect(lastNodeOutput(run([{ json: { ok: 1 } }]))).toEqual({ ok: 1 });
		expect(lastNodeOutput(run([{ json: 1 }, { json: 2 }]))).toEqual([1, 2]);
		expect(lastNodeOutput(run([]))).toBeNull();
		expect(lastNodeOutput({ data: { resultData: { runData: {} } } } as unknown as IRun)).toBeNull();
	});
});
