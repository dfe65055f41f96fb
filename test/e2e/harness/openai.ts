/* Scripts the local OpenAI-compatible server that the templates' chat models call. */
import type { MockReply, MockRule } from '../../helpers/openai-mock-server';
import { state } from './n8n';

function adminUrl(route: string): string {
	return `${(state() as unknown as { openaiUrl: string }).openaiUrl.replace(/\/v1$/, '')}/__admin/${route}`;
}

async function post(route: string, body: unknown): Promise<void> {
	const res = await fetch(adminUrl(route), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	if (!res.ok) throw new Error(`mock ${route} → ${res.status}`);
}

export const openai = {
	reset: () => post('reset', {}),
	rules: (...rules: MockRule[]) => post('rules', { rules }),
	enqueue: (...replies: MockReply[]) => post('enqueue', { replies }),
	async requests(): Promise<
		Array<{ messages: Array<{ role: string; content: unknown }>; tools?: unknown[] }>
	> {
		const res = await fetch(adminUrl('requests'));
		return ((await res.json()) as { requests: [] }).requests;
	},
};
