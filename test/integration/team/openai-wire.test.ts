/**
 * The team engine over @langchain/openai's ChatOpenAI against a local
 * OpenAI-compatible server: real HTTP, real wire format for tool calls,
 * rate limits, malformed tool arguments and timeouts.
 */
import { ChatOpenAI } from '@langchain/openai';
import { TeamRunner } from '../../../lib/team';
import { OpenAiMockServer } from '../../helpers/openai-mock-server';
import { jsonTool } from '../../unit/team/tools';

const messagesOf = (body: { messages: Array<{ role: string; content: unknown }> }) => body.messages;

describe('team over ChatOpenAI on the wire', () => {
	let server: OpenAiMockServer;
	const chat = (extra: Record<string, unknown> = {}) =>
		new ChatOpenAI({
			model: 'gpt-4o-mini',
			apiKey: 'sk-test',
			maxRetries: 0,
			configuration: { baseURL: server.url },
			...extra,
		});

	beforeAll(async () => {
		server = await OpenAiMockServer.start();
	});
	afterAll(async () => {
		await server.close();
	});
	beforeEach(() => server.reset());

	it('delegates through tool calls, runs member tools and reads usage', async () => {
		const lookup = jsonTool(
			'lookup',
			'Looks up a fact',
			{ topic: { type: 'string' } },
			async ({ topic }) => `fact about ${String(topic)}`,
		);
		server.enqueue(
			// leader: two delegations in one message
			{
				toolCalls: [
					{ name: 'delegate_to_researcher', arguments: { task: 'research otters' } },
					{ name: 'delegate_to_writer', arguments: { task: 'write a line' } },
				],
			},
		);
		server.respondWith((req) => {
			const msgs = messagesOf(req.body);
			const system = String(msgs[0].content);
			const last = msgs[msgs.length - 1];
			if (system.includes('"researcher"')) {
				return last.role === 'tool'
					? { content: `researched: ${String(last.content)}` }
					: { toolCalls: [{ name: 'lookup', arguments: { topic: 'otters' } }] };
			}
			if (system.includes('"writer"')) return { content: 'Otters are great.' };
			return {
				content: 'Final: otters are great and researched.',
				usage: { prompt_tokens: 100, completion_tokens: 20 },
			};
		});

		const model = chat();
		const result = await new TeamRunner({
			mode: 'coordinate',
			model,
			members: [{ name: 'researcher', tools: ['lookup'] }, { name: 'writer' }],
			tools: [lookup],
			priceTable: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
		}).run('Tell me about otters');

		expect(result.status).toBe('completed');
		expect(result.answer).toBe('Final: otters are great and researched.');
		const first = server.completions[0].body;
		expect(first.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
			'delegate_to_researcher',
			'delegate_to_writer',
		]);
		const researcherFirst = server.completions.find(
			(r) => String(r.body.messages[0].content).includes('"researcher"') && r.body.tools,
		);
		expect(
			researcherFirst?.body.tools.map((t: { function: { name: string } }) => t.function.name),
		).toEqual(['lookup']);
		// the tool result went back on the wire as a tool message with the call id
		const toolTurn = server.completions.find((r) =>
			r.body.messages.some(
				(m: { role: string; content: string }) =>
					m.role === 'tool' && m.content === 'fact about otters',
			),
		);
		expect(toolTurn).toBeDefined();
		const leaderLast = server.completions[server.completions.length - 1].body.messages;
		const toolReplies = leaderLast.filter((m: { role: string }) => m.role === 'tool');
		expect(toolReplies.map((m: { content: string }) => m.content).sort()).toEqual([
			'Otters are great.',
			'researched: fact about otters',
		]);
		expect(result.usage.byMember.leader).toEqual({ input: 110, output: 25, total: 135 });
		expect(result.usage.byModel['gpt-4o-mini'].total).toBe(135 + 15 * 3);
		expect(result.cost.total).toBeGreaterThan(0);
	});

	it('retries a 429 and then succeeds', async () => {
		server.rateLimit(1).enqueue({ content: 'after the rate limit' });
		const model = chat();
		const result = await new TeamRunner({
			mode: 'sequential',
			model,
			members: [{ name: 'solo' }],
			limits: { retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10 } },
		}).run('hi');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('after the rate limit');
		expect(server.completions).toHaveLength(2);
		const retry = result.transcript.find((e) => e.kind === 'retry');
		expect(retry?.content).toMatch(/429|rate limit/i);
	});

	it('sends malformed tool arguments back to the model as an error it can correct', async () => {
		server.enqueue(
			{ toolCalls: [{ name: 'delegate_to_helper', arguments: '{"task": "unterminated' }] },
			{ toolCalls: [{ name: 'delegate_to_helper', arguments: { task: 'fixed task' } }] },
			{ content: 'helper result' },
			{ content: 'final after fixing' },
		);
		const result = await new TeamRunner({
			mode: 'coordinate',
			model: chat(),
			members: [{ name: 'helper' }],
		}).run('go');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('final after fixing');
		const second = server.completions[1].body.messages;
		const errorReply = second.find((m: { role: string }) => m.role === 'tool');
		expect(errorReply.content).toContain('not valid JSON');
		expect(result.delegations).toBe(1);
	});

	it('times out a member whose request hangs and reports it', async () => {
		server.respondWith((req) =>
			String(req.body.messages[0].content).includes('"slow"')
				? { content: 'too late', delayMs: 10_000 }
				: { content: 'synthesis' },
		);
		const result = await new TeamRunner({
			mode: 'broadcast',
			model: chat(),
			members: [{ name: 'slow' }, { name: 'fast' }],
			limits: { memberTimeoutMs: 1_500 },
		}).run('go');
		// the client hung up on the slow request instead of waiting for it
		const slowRequest = server.completions.find((r) =>
			String(r.body.messages[0].content).includes('"slow"'),
		);
		expect(slowRequest?.closedEarly).toBe(true);
		expect(result.status).toBe('partial');
		expect(result.errors).toContain('slow: slow timed out after 1500 ms');
		expect(result.answer).toBe('synthesis');
	});

	it('streams tool calls and usage as server-sent events in the OpenAI chunk format', async () => {
		// ChatOpenAI's own streaming path downloads a tokenizer first, which
		// needs the internet; the chunk format is checked on the raw stream.
		server.enqueue({ content: 'hi', toolCalls: [{ name: 'f', arguments: { task: 'x' } }] });
		const response = await fetch(`${server.url}/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				model: 'gpt-4o-mini',
				stream: true,
				stream_options: { include_usage: true },
				messages: [{ role: 'user', content: 'go' }],
			}),
		});
		expect(response.headers.get('content-type')).toBe('text/event-stream');
		const events = (await response.text())
			.split('\n\n')
			.filter(Boolean)
			.map((e) => e.replace(/^data: /, ''));
		expect(events[events.length - 1]).toBe('[DONE]');
		const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
		const deltas = chunks.flatMap((c) => c.choices.map((ch: { delta: unknown }) => ch.delta));
		expect(deltas[0]).toEqual({ role: 'assistant', content: 'hi' });
		expect(deltas[1].tool_calls[0]).toMatchObject({
			index: 0,
			function: { name: 'f', arguments: '{"task":"x"}' },
		});
		expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe(
			'tool_calls',
		);
		expect(chunks[chunks.length - 1].usage.total_tokens).toBe(15);
	});

	it('lists models like the OpenAI API', async () => {
		const response = await fetch(`${server.url}/models`);
		const body = (await response.json()) as { data: Array<{ id: string }> };
		expect(body.data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
		expect(server.requests[0].path).toBe('/v1/models');
	});
});
