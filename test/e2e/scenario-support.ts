/* What the scenario tests share: the bus as a listener, a local HTTP server, polling, n8n's API. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentBus, type Envelope } from '../../lib/bus';
import { AMQP_URL } from '../helpers/services';
import { callWebhook, fetchWhenReady, state } from './harness/n8n';

export { fetchWhenReady, notReadyRetries } from './harness/n8n';

/** A webhook call (n8n's "Database is not ready" answers are waited out). */
export const hook = callWebhook;

/** Polls until `probe` returns something other than undefined (or throws when time runs out). */
export async function waitFor<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	what: string,
	timeoutMs = 60_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** Collects the bus events matching `topics` for as long as it is open. */
export async function listenToEvents(topics: string[]) {
	const bus = await AgentBus.open({ broker: { url: AMQP_URL } });
	const events: Envelope[] = [];
	const sub = await bus.consume({ topics }, (d) => {
		events.push(d.envelope);
	});
	return {
		events,
		async close() {
			await sub.cancel(1000);
			await bus.close();
		},
	};
}

export interface Received {
	method: string;
	url: string;
	body: unknown;
}

/** A local HTTP server: records what it receives and answers with `answer(path)`. */
export async function localServer(answer: (path: string) => number = () => 200) {
	const received: Received[] = [];
	const server = http.createServer((req, res) => {
		let data = '';
		req.on('data', (c: Buffer) => (data += c.toString()));
		req.on('end', () => {
			let body: unknown = data;
			try {
				body = data ? JSON.parse(data) : undefined;
			} catch {
				// not JSON
			}
			received.push({ method: req.method ?? '', url: req.url ?? '', body });
			const status = answer(req.url ?? '/');
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ status }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** n8n's public API with the harness's key, any method. */
export async function publicApi<T = unknown>(method: string, route: string, body?: unknown) {
	const s = state();
	const res = await fetchWhenReady(`${s.base}/api/v1${route}`, {
		method,
		headers: { 'X-N8N-API-KEY': s.apiKey, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`${method} /api/v1${route} → ${res.status}: ${text.slice(0, 500)}`);
	return (text ? JSON.parse(text) : undefined) as T;
}

export function workflowOf(file: string) {
	const wf = state().workflows.find((w) => w.file === file);
	if (!wf) throw new Error(`${file} was not imported`);
	return wf;
}

export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	data?: { resultData?: { runData?: Record<string, unknown>; error?: { message?: string } } };
}

export async function executionsOf(file: string, limit = 250): Promise<Execution[]> {
	const { id } = workflowOf(file);
	const page = await publicApi<{ data: Execution[] }>(
		'GET',
		`/executions?workflowId=${id}&limit=${limit}`,
	);
	return page.data;
}

export interface ModelRequest {
	messages: Array<{ role: string; content: unknown }>;
	tools?: unknown[];
}

export const systemOf = (r: ModelRequest) =>
	r.messages
		.filter((m) => m.role === 'system')
		.map((m) => String(m.content))
		.join('\n');

export const textOf = (r: ModelRequest) => JSON.stringify(r.messages);
