import { openai } from './harness/openai';
import {
	fetchWhenReady,
	hook,
	executionsOf,
	listenToEvents,
	localServer,
	publicApi,
	systemOf,
	textOf,
	waitFor,
	workflowOf,
	type Execution,
} from './scenario-support';

interface Accepted {
	status: string;
	topic: string;
	content: string;
	airlock: string;
	executionId: string;
}
interface Notify {
	holdId: string;
	links: Array<{ reviewer: string; approve: string; reject: string }>;
}
interface Generated {
	topic: string;
	content: string;
	holdId: string;
	approvedBy: string[];
	executionId: string;
}

const run = `${process.pid}-${Date.now()}`;
const POST = (topic: string) => `POST about ${topic}: insulate first, then fit the pump.`;

let notify: Awaited<ReturnType<typeof localServer>>;
let bus: Awaited<ReturnType<typeof listenToEvents>>;

async function vote(link: string, comment: string) {
	return fetchWhenReady(link, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ comment }).toString(),
	});
}

const linksFor = (executionId: string) =>
	waitFor(
		() =>
			notify.received
				.map((r) => r.body as Notify)
				.find((b) => b?.links?.some((l) => l.approve.includes(`/${executionId}/`))),
		`the review links of execution ${executionId}`,
	);

const finished = (executionId: string) =>
	waitFor(async () => {
		const e = await publicApi<Execution>('GET', `/executions/${executionId}`);
		return e.finished || ['success', 'error', 'crashed'].includes(e.status) ? e : undefined;
	}, `execution ${executionId} to finish`);

describe('the content-pipeline template: team, compliance, human approval, event, memory', () => {
	beforeAll(async () => {
		notify = await localServer();
		bus = await listenToEvents(['content.generated']);
	});

	beforeEach(() => openai.reset());

	afterAll(async () => {
		await bus?.close();
		await notify?.close();
	});

	it('is active', () => {
		expect(workflowOf('content-pipeline.json')).toEqual(expect.objectContaining({ active: true }));
	});

	it('holds the draft for approval, then publishes content.generated and stores it', async () => {
		const topic = `heat pumps ${run}`;
		await openai.rules(
			{ system: 'You are "ideator"', reply: { content: 'Angle: old houses can go electric.' } },
			{ system: 'You are "designer"', reply: { content: 'Brief: short post, friendly tone.' } },
			{ system: 'You are "writer"', reply: { content: POST(topic) } },
		);
		const res = await hook<Accepted>('content-pipeline', {
			topic,
			audience: 'home owners',
			notifyUrl: `${notify.url}/reviews`,
			reviewers: 'editor',
		});
		expect(res.status).toBe(202);
		expect(res.body).toEqual(
			expect.objectContaining({ status: 'awaiting_approval', topic, content: POST(topic) }),
		);
		const requests = await openai.requests();
		const designer = requests.find((r) => systemOf(r).includes('You are "designer"'))!;
		expect(textOf(designer)).toContain('Angle: old houses can go electric.');
		const writer = requests.find((r) => systemOf(r).includes('You are "writer"'))!;
		expect(textOf(writer)).toContain('Brief: short post, friendly tone.');

		const { executionId } = res.body;
		const links = await linksFor(executionId);
		expect(links.links.map((l) => l.reviewer)).toEqual(['editor']);
		expect(bus.events.find((e) => (e.payload as Generated).topic === topic)).toBeUndefined();
		const page = await fetchWhenReady(links.links[0].approve);
		expect(page.status).toBe(200);
		const voted = await vote(links.links[0].approve, 'looks good');
		expect(voted.status).toBe(200);

		const event = await waitFor(
			() => bus.events.find((e) => (e.payload as Generated).topic === topic),
			'the content.generated event',
		);
		expect(event.type).toBe('content.generated');
		expect(event.sender).toBe('content-pipeline');
		expect(event.payload).toEqual(
			expect.objectContaining({
				content: POST(topic),
				holdId: links.holdId,
				approvedBy: ['editor'],
				executionId,
			}),
		);
		const execution = await finished(executionId);
		expect(execution.status).toBe('success');

		const found = await hook<{
			results: Array<{ text: string; metadata: Record<string, unknown> }>;
		}>('memory/search', { query: topic, namespace: 'content', topK: 20 });
		const stored = found.body.results.find((r) => r.metadata.topic === topic);
		expect(stored?.text).toBe(POST(topic));
		expect(stored?.metadata).toEqual(
			expect.objectContaining({ eventId: event.id, holdId: links.holdId, auditValid: true }),
		);
	});

	it('publishes nothing and stores nothing when the reviewer rejects', async () => {
		const topic = `rejected ${run}`;
		await openai.rules(
			{ system: 'You are "ideator"', reply: { content: 'Angle.' } },
			{ system: 'You are "designer"', reply: { content: 'Brief.' } },
			{ system: 'You are "writer"', reply: { content: POST(topic) } },
		);
		const res = await hook<Accepted>('content-pipeline', {
			topic,
			notifyUrl: `${notify.url}/reviews`,
		});
		expect(res.status).toBe(202);
		const links = await linksFor(res.body.executionId);
		expect((await vote(links.links[0].reject, 'off brand')).status).toBe(200);
		await finished(res.body.executionId);
		const runs = await executionsOf('content-pipeline.json');
		expect(runs.find((e) => e.id === res.body.executionId)?.status).toBe('success');
		expect(bus.events.find((e) => (e.payload as Generated).topic === topic)).toBeUndefined();
		const found = await hook<{ results: Array<{ metadata: Record<string, unknown> }> }>(
			'memory/search',
			{ query: topic, namespace: 'content', topK: 50 },
		);
		expect(found.body.results.some((r) => r.metadata.topic === topic)).toBe(false);
	});

	it('answers 422 when the draft fails the compliance check, without holding it', async () => {
		const before = notify.received.length;
		await openai.rules(
			{ system: 'You are "ideator"', reply: { content: 'Angle.' } },
			{ system: 'You are "designer"', reply: { content: 'Brief.' } },
			{
				system: 'You are "writer"',
				reply: { content: 'Use the token ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 now.' },
			},
		);
		const res = await hook<{ error: string; findings: Array<{ type: string }> }>(
			'content-pipeline',
			{ topic: `leaky ${run}`, notifyUrl: `${notify.url}/reviews` },
		);
		expect(res.status).toBe(422);
		expect(res.body.error).toMatch(/draft was blocked/);
		expect(res.body.findings.map((f) => f.type)).toContain('SECRET');
		expect(notify.received.length).toBe(before);
	});

	it.each([
		['a missing topic', { audience: 'x' }, /topic is required/],
		['a notify URL that is not http(s)', { topic: 't', notifyUrl: 'ftp://x' }, /notifyUrl/],
		['an oversized topic', { topic: 'x'.repeat(501) }, /at most 500/],
	])('answers 400 for %s', async (_what, body, reason) => {
		const res = await hook<{ error: string }>('content-pipeline', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
	});
});
