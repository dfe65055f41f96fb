/**
 * A local OpenAI-compatible HTTP server for tests: `POST /v1/chat/completions`
 * (plain JSON and `stream: true` server-sent events) and `GET /v1/models`.
 *
 * Replies come from a queue (`enqueue`), then from a default handler
 * (`respondWith`). A reply can be text, tool calls (arguments as an object,
 * or as a raw string to send malformed JSON), an HTTP error such as a 429,
 * or any of those after a delay (to trigger client timeouts). Every request
 * is recorded with its parsed body.
 *
 *   const server = await OpenAiMockServer.start();
 *   server.enqueue({ status: 429 }, { toolCalls: [{ name: 'search', arguments: { q: 'x' } }] });
 *   new ChatOpenAI({ apiKey: 'test', configuration: { baseURL: server.url } });
 *   await server.close();
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockToolCall {
	name: string;
	/** An object is serialised; a string is sent as is (malformed JSON included). */
	arguments: Record<string, unknown> | string;
	id?: string;
}

export interface MockReply {
	content?: string;
	toolCalls?: MockToolCall[];
	/** An HTTP error status (429, 500, …) instead of a completion. */
	status?: number;
	errorMessage?: string;
	/** Extra response headers, e.g. `retry-after`. */
	headers?: Record<string, string>;
	/** Wait this long before answering (client timeouts). */
	delayMs?: number;
	usage?: { prompt_tokens: number; completion_tokens: number };
	model?: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
	receivedAt: number;
	/** True when the client hung up before the reply (a client-side timeout or abort). */
	closedEarly: boolean;
}

export type ReplyHandler = (request: RecordedRequest) => MockReply;

/**
 * A scripted answer chosen by what the request holds, so concurrent
 * conversations (several n8n executions at once) each get the right reply.
 * Every given condition must hold; the first matching rule wins.
 */
export interface MockRule {
	/** Substring of the system message. */
	system?: string;
	/** Role of the last message: 'user', 'tool' or 'assistant'. */
	lastRole?: string;
	/** Substring of the last message's content. */
	lastContains?: string;
	/** Substring anywhere in the request's messages. */
	anyContains?: string;
	/** Only when the request offers a tool of this name. */
	hasTool?: string;
	reply: MockReply;
	/** Use at most this many times (default: unlimited). */
	times?: number;
}

function messageText(m: { content?: unknown } | undefined): string {
	if (!m) return '';
	if (typeof m.content === 'string') return m.content;
	return JSON.stringify(m.content ?? '');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ruleMatches(rule: MockRule, body: any): boolean {
	const messages: Array<{ role?: string; content?: unknown }> = body?.messages ?? [];
	const last = messages[messages.length - 1];
	const system = messages
		.filter((m) => m.role === 'system' || m.role === 'developer')
		.map(messageText)
		.join('\n');
	if (rule.system !== undefined && !system.includes(rule.system)) return false;
	if (rule.lastRole !== undefined && last?.role !== rule.lastRole) return false;
	if (rule.lastContains !== undefined && !messageText(last).includes(rule.lastContains))
		return false;
	if (
		rule.anyContains !== undefined &&
		!messages.map(messageText).join('\n').includes(rule.anyContains)
	)
		return false;
	if (rule.hasTool !== undefined) {
		const tools: Array<{ function?: { name?: string } }> = body?.tools ?? [];
		if (!tools.some((t) => t.function?.name === rule.hasTool)) return false;
	}
	return true;
}

export interface MockServerOptions {
	host?: string;
	port?: number;
	/** Model ids listed by `GET /v1/models`. */
	models?: string[];
}

export class OpenAiMockServer {
	readonly requests: RecordedRequest[] = [];
	private readonly queue: MockReply[] = [];
	private readonly rules: MockRule[] = [];
	private handler: ReplyHandler = () => ({ content: 'OK' });
	private readonly sockets = new Set<import('node:net').Socket>();
	private counter = 0;

	private constructor(
		private readonly server: http.Server,
		private readonly models: string[],
	) {
		server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
	}

	static async start(options: MockServerOptions = {}): Promise<OpenAiMockServer> {
		const server = http.createServer();
		const mock = new OpenAiMockServer(server, options.models ?? ['gpt-4o-mini']);
		server.on('request', (req, res) => void mock.handle(req, res));
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
		});
		return mock;
	}

	/** Base URL for OpenAI clients, ending in `/v1`. */
	get url(): string {
		const { address, port } = this.server.address() as AddressInfo;
		return `http://${address}:${port}/v1`;
	}

	/** Requests to the chat completions endpoint only. */
	get completions(): RecordedRequest[] {
		return this.requests.filter((r) => r.path.endsWith('/chat/completions'));
	}

	enqueue(...replies: MockReply[]): this {
		this.queue.push(...replies);
		return this;
	}

	/** Answers requests once the queue is empty. */
	respondWith(handler: ReplyHandler): this {
		this.handler = handler;
		return this;
	}

	/** Queues `times` rate-limit errors. */
	rateLimit(times = 1, retryAfterSeconds?: number): this {
		for (let i = 0; i < times; i++) {
			this.enqueue({
				status: 429,
				errorMessage: 'Rate limit reached for requests',
				headers:
					retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {},
			});
		}
		return this;
	}

	/** Adds scripted rules (see MockRule); they answer after the queue, before the handler. */
	addRules(...rules: MockRule[]): this {
		this.rules.push(...rules.map((r) => ({ ...r })));
		return this;
	}

	pending(): number {
		return this.queue.length;
	}

	reset(): void {
		this.queue.length = 0;
		this.rules.length = 0;
		this.requests.length = 0;
		this.handler = () => ({ content: 'OK' });
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private takeRule(body: unknown): MockReply | undefined {
		const rule = this.rules.find(
			(r) => (r.times === undefined || r.times > 0) && ruleMatches(r, body),
		);
		if (!rule) return undefined;
		if (rule.times !== undefined) rule.times--;
		return rule.reply;
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const raw = await readBody(req);
		let body: unknown = undefined;
		try {
			body = raw ? JSON.parse(raw) : undefined;
		} catch {
			body = raw;
		}
		const path = (req.url ?? '/').split('?')[0];
		const record: RecordedRequest = {
			method: req.method ?? 'GET',
			path,
			headers: req.headers,
			body,
			receivedAt: Date.now(),
			closedEarly: false,
		};
		this.requests.push(record);

		// Control endpoints, so a test in another process can script this server.
		if (path.startsWith('/__admin/')) {
			this.requests.pop();
			if (req.method === 'POST' && path === '/__admin/rules') {
				this.addRules(...((body as { rules?: MockRule[] })?.rules ?? []));
				return json(res, 200, { rules: this.rules.length });
			}
			if (req.method === 'POST' && path === '/__admin/enqueue') {
				this.enqueue(...((body as { replies?: MockReply[] })?.replies ?? []));
				return json(res, 200, { pending: this.queue.length });
			}
			if (req.method === 'POST' && path === '/__admin/reset') {
				this.reset();
				return json(res, 200, {});
			}
			if (req.method === 'GET' && path === '/__admin/requests') {
				return json(res, 200, { requests: this.completions.map((r) => r.body) });
			}
			return json(res, 404, { error: { message: `no admin route ${path}` } });
		}
		if (req.method === 'GET' && path.endsWith('/models')) {
			return json(res, 200, {
				object: 'list',
				data: this.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })),
			});
		}
		if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
			return json(res, 404, {
				error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
			});
		}

		const reply = this.queue.shift() ?? this.takeRule(body) ?? this.handler(record);
		if (reply.delayMs) {
			const closed = await waitOrClose(reply.delayMs, req);
			if (closed) {
				record.closedEarly = true;
				return;
			}
		}
		if (reply.status && reply.status >= 400) {
			return json(
				res,
				reply.status,
				{
					error: {
						message: reply.errorMessage ?? `HTTP ${reply.status}`,
						type: errorType(reply.status),
						code: null,
					},
				},
				reply.headers,
			);
		}
		const requestBody = (body ?? {}) as {
			model?: string;
			stream?: boolean;
			stream_options?: { include_usage?: boolean };
		};
		const model = reply.model ?? requestBody.model ?? this.models[0];
		const id = `chatcmpl-mock-${++this.counter}`;
		const toolCalls = (reply.toolCalls ?? []).map((c, index) => ({
			index,
			id: c.id ?? `call_mock_${this.counter}_${index}`,
			type: 'function' as const,
			function: {
				name: c.name,
				arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
			},
		}));
		const usage = {
			prompt_tokens: reply.usage?.prompt_tokens ?? 10,
			completion_tokens: reply.usage?.completion_tokens ?? 5,
			total_tokens: (reply.usage?.prompt_tokens ?? 10) + (reply.usage?.completion_tokens ?? 5),
		};
		const finish = toolCalls.length ? 'tool_calls' : 'stop';
		const created = Math.floor(Date.now() / 1000);

		if (requestBody.stream) {
			res.writeHead(200, {
				'content-type': 'text/event-stream',
				'cache-control': 'no-cache',
				...reply.headers,
			});
			const chunk = (delta: unknown, finishReason: string | null, extra: object = {}) =>
				res.write(
					`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
				);
			chunk({ role: 'assistant', content: reply.content ?? '' }, null);
			if (toolCalls.length) chunk({ tool_calls: toolCalls }, null);
			chunk({}, finish);
			if (requestBody.stream_options?.include_usage) {
				res.write(
					`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
				);
			}
			res.end('data: [DONE]\n\n');
			return;
		}
		return json(
			res,
			200,
			{
				id,
				object: 'chat.completion',
				created,
				model,
				choices: [
					{
						index: 0,
						message: {
							role: 'assistant',
							content: reply.content ?? (toolCalls.length ? null : ''),
							...(toolCalls.length
								? { tool_calls: toolCalls.map(({ index: _i, ...c }) => c) }
								: {}),
						},
						finish_reason: finish,
						logprobs: null,
					},
				],
				usage,
			},
			reply.headers,
		);
	}
}

function errorType(status: number): string {
	if (status === 429) return 'rate_limit_exceeded';
	if (status >= 500) return 'server_error';
	return 'invalid_request_error';
}

function json(
	res: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
) {
	if (res.destroyed) return;
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

/** Resolves true when the client hung up before the delay passed. */
function waitOrClose(ms: number, req: http.IncomingMessage): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = req.socket;
		const onClose = () => {
			clearTimeout(timer);
			resolve(true);
		};
		const timer = setTimeout(() => {
			socket.off('close', onClose);
			resolve(false);
		}, ms);
		socket.once('close', onClose);
	});
}
