import { OpenAiMockServer } from '../../helpers/openai-mock-server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (response: Response): Promise<any> => response.json();

describe('OpenAiMockServer', () => {
	let server: OpenAiMockServer;
	beforeAll(async () => {
		server = await OpenAiMockServer.start({ models: ['m1', 'm2'] });
	});
	afterAll(async () => {
		await server.close();
	});
	beforeEach(() => server.reset());

	const complete = (body: object = {}, signal?: AbortSignal) =>
		fetch(`${server.url}/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
			body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], ...body }),
			signal,
		});

	it('answers from the queue first, then from the handler, and records requests', async () => {
		server.enqueue({ content: 'queued' }).respondWith((req) => ({
			content: `echo ${req.body.messages[0].content}`,
		}));
		const first = await json(await complete());
		const second = await json(await complete());
		expect(first.choices[0].message.content).toBe('queued');
		expect(second.choices[0].message.content).toBe('echo hi');
		expect(second.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
		expect(server.completions).toHaveLength(2);
		expect(server.requests[0].headers.authorization).toBe('Bearer sk-test');
		expect(server.pending()).toBe(0);
	});

	it('returns tool calls in the OpenAI shape, raw argument strings included', async () => {
		server.enqueue({
			toolCalls: [
				{ name: 'ok', arguments: { a: 1 }, id: 'call_1' },
				{ name: 'broken', arguments: '{"a": ' },
			],
		});
		const body = await json(await complete());
		expect(body.choices[0].finish_reason).toBe('tool_calls');
		expect(body.choices[0].message.content).toBeNull();
		expect(body.choices[0].message.tool_calls).toEqual([
			{ id: 'call_1', type: 'function', function: { name: 'ok', arguments: '{"a":1}' } },
			expect.objectContaining({ function: { name: 'broken', arguments: '{"a": ' } }),
		]);
	});

	it('injects rate limits with retry-after and server errors', async () => {
		server.rateLimit(1, 2).enqueue({ status: 503, errorMessage: 'overloaded' });
		const limited = await complete();
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('2');
		expect((await json(limited)).error.type).toBe('rate_limit_exceeded');
		const down = await complete();
		expect(down.status).toBe(503);
		expect((await json(down)).error.message).toBe('overloaded');
	});

	it('notices a client that gives up on a delayed reply', async () => {
		server.enqueue({ content: 'slow', delayMs: 5_000 });
		const controller = new AbortController();
		const pending = complete({}, controller.signal).catch((e: { name: string }) => e);
		await new Promise((r) => setTimeout(r, 100));
		controller.abort();
		expect(((await pending) as { name: string }).name).toBe('AbortError');
		await new Promise((r) => setTimeout(r, 100));
		expect(server.completions[0].closedEarly).toBe(true);
	});

	it('lists its models and answers unknown routes with 404', async () => {
		const models = await json(await fetch(`${server.url}/models`));
		expect(models.data.map((m: { id: string }) => m.id)).toEqual(['m1', 'm2']);
		expect((await fetch(`${server.url}/embeddings`, { method: 'POST' })).status).toBe(404);
	});
});
