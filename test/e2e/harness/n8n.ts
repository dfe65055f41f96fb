/* Reads the running n8n's state (written by global-setup) and calls it. */
import * as fs from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { STATE_FILE } = require('./state') as { STATE_FILE: string };

export interface E2eState {
	pid: number;
	base: string;
	port: number;
	userFolder: string;
	logFile: string;
	apiKey: string;
	cookie: string;
	workflows: Array<{
		file: string;
		id: string;
		name: string;
		active: boolean;
		activationError?: string;
		webhooks: Array<{ node: string; method: string; path: string }>;
	}>;
}

export function state(): E2eState {
	return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export interface HttpResult<T = unknown> {
	status: number;
	body: T;
}

export async function callWebhook<T = Record<string, unknown>>(
	path: string,
	body: unknown,
	method = 'POST',
): Promise<HttpResult<T>> {
	const res = await fetch(`${state().base}/webhook/${path}`, {
		method,
		headers: { 'content-type': 'application/json' },
		body: method === 'GET' ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// plain text answer
	}
	return { status: res.status, body: parsed as T };
}

/** The n8n REST API as the logged-in owner (session cookie). */
export async function rest<T = unknown>(route: string): Promise<T> {
	const s = state();
	const res = await fetch(`${s.base}${route}`, {
		headers: { cookie: s.cookie, 'browser-id': 'agent-os-local' },
	});
	if (!res.ok) throw new Error(`${route} → ${res.status}`);
	return (await res.json()) as T;
}

/** The public API with the harness's API key. */
export async function api<T = unknown>(route: string): Promise<T> {
	const s = state();
	const res = await fetch(`${s.base}/api/v1${route}`, { headers: { 'X-N8N-API-KEY': s.apiKey } });
	if (!res.ok) throw new Error(`/api/v1${route} → ${res.status}: ${await res.text()}`);
	return (await res.json()) as T;
}
