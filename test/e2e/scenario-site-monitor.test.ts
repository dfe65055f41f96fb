import * as net from 'node:net';
import { openai } from './harness/openai';
import {
	hook,
	listenToEvents,
	localServer,
	systemOf,
	textOf,
	waitFor,
	workflowOf,
} from './scenario-support';

interface Check {
	url: string;
	statusCode: number | null;
	up: boolean;
	error: string;
}
interface MonitorReport {
	status: string;
	checkedAt: string;
	total: number;
	down: Check[];
	checks: Check[];
	analysis: string;
	alertEventId: string;
}
interface Alert {
	down: Check[];
	total: number;
	analysis: string;
	executionId: string;
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
	const srv = net.createServer();
	await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
	const { port } = srv.address() as net.AddressInfo;
	await new Promise<void>((r) => srv.close(() => r()));
	return port;
}

let sites: Awaited<ReturnType<typeof localServer>>;
let bus: Awaited<ReturnType<typeof listenToEvents>>;

describe('the site-monitor template: HTTP checks, analysis, alert event', () => {
	beforeAll(async () => {
		sites = await localServer((path) => (path.startsWith('/down') ? 503 : 200));
		bus = await listenToEvents(['monitor.alert']);
	});
	afterAll(async () => {
		await bus?.close();
		await sites?.close();
	});
	beforeEach(async () => {
		await openai.reset();
		await openai.rules({
			system: 'You are "site-analyst"',
			reply: { content: 'ANALYSIS: the shop answers 503; restart its upstream first.' },
		});
	});

	it('is active with its schedule trigger', () => {
		expect(workflowOf('site-monitor.json')).toEqual(expect.objectContaining({ active: true }));
	});

	it('publishes an alert when a site is down', async () => {
		const refused = `http://127.0.0.1:${await closedPort()}/health`;
		const list = [`${sites.url}/up`, `${sites.url}/down/shop`, refused];
		const res = await hook<MonitorReport>('site-monitor', { sites: list });
		expect(res.status).toBe(200);
		expect(res.body.status).toBe('alert');
		expect(res.body.total).toBe(3);
		expect(res.body.checks.map((c) => [c.url, c.up])).toEqual([
			[list[0], true],
			[list[1], false],
			[list[2], false],
		]);
		expect(res.body.checks[1].statusCode).toBe(503);
		expect(res.body.checks[2].statusCode).toBeNull();
		expect(res.body.checks[2].error).not.toBe('');
		expect(res.body.down.map((c) => c.url)).toEqual([list[1], list[2]]);
		expect(res.body.analysis).toBe('ANALYSIS: the shop answers 503; restart its upstream first.');
		expect(res.body.alertEventId).not.toBe('');
		expect(sites.received.map((r) => r.url).sort()).toEqual(['/down/shop', '/up']);

		const alert = await waitFor(
			() => bus.events.find((e) => e.id === res.body.alertEventId),
			'the monitor.alert event',
		);
		expect(alert.type).toBe('monitor.alert');
		expect(alert.sender).toBe('site-monitor');
		expect(alert.priority).toBe(8);
		const payload = alert.payload as Alert;
		expect(payload.down.map((c) => c.url)).toEqual([list[1], list[2]]);
		expect(payload.analysis).toBe(res.body.analysis);

		const analyst = (await openai.requests()).find((r) =>
			systemOf(r).includes('You are "site-analyst"'),
		)!;
		expect(textOf(analyst)).toContain(`${list[1]}: DOWN (503)`);
		expect(textOf(analyst)).toContain(`${list[0]}: up (200)`);
	});

	it('publishes no alert when every site is up', async () => {
		const res = await hook<MonitorReport>('site-monitor', { sites: [`${sites.url}/up/a`] });
		expect(res.status).toBe(200);
		expect(res.body).toEqual(
			expect.objectContaining({ status: 'ok', total: 1, down: [], alertEventId: '' }),
		);
		expect(await openai.requests()).toHaveLength(1);
	});

	it('still alerts when the analysis model fails', async () => {
		await openai.reset();
		await openai.rules({
			system: 'You are "site-analyst"',
			reply: { status: 500, errorMessage: 'model down' },
		});
		const res = await hook<MonitorReport>('site-monitor', { sites: [`${sites.url}/down/x`] });
		expect(res.status).toBe(200);
		expect(res.body.status).toBe('alert');
		expect(res.body.analysis).toMatch(/^analysis unavailable/);
		await waitFor(
			() => bus.events.find((e) => e.id === res.body.alertEventId),
			'the alert without analysis',
		);
	});

	it.each([
		['no sites', {}, /sites is required/],
		['an empty list', { sites: [] }, /sites is required/],
		['a URL that is not http(s)', { sites: ['file:///etc/passwd'] }, /not an http\(s\) URL/],
		[
			'too many sites',
			{ sites: Array.from({ length: 51 }, (_, i) => `https://s${i}.example`) },
			/at most 50/,
		],
	])('answers 400 for %s', async (_what, body, reason) => {
		const res = await hook<{ error: string }>('site-monitor', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
	});
});
