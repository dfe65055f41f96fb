/* A local HTTP endpoint that receives the review links a hold posts to its notify URL. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchWhenReady } from './n8n';

export interface Notify {
	holdId: string;
	required: number;
	reviewers: string[];
	expiresAt: string | null;
	summary: string;
	links: Array<{ reviewer: string; approve: string; reject: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Receives the review links the hold posts, one path per hold. */
export class NotifyInbox {
	private server!: http.Server;
	private received = new Map<string, Notify>();
	base = '';

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => {
				if (req.method === 'POST') this.received.set(req.url ?? '', JSON.parse(body) as Notify);
				res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
			});
		});
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	stop(): Promise<void> {
		return new Promise((r) => this.server.close(() => r()));
	}

	async take(path: string): Promise<Notify> {
		for (let i = 0; i < 300; i++) {
			const got = this.received.get(path);
			if (got) return got;
			await sleep(100);
		}
		throw new Error(`no review links were posted to ${path}`);
	}
}

/** A reviewer's vote: the POST that the confirmation page behind a review link sends. */
export async function click(
	link: string,
	comment?: string,
): Promise<{ status: number; text: string }> {
	const res = await fetchWhenReady(link, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: comment ? new URLSearchParams({ comment }).toString() : '',
	});
	return { status: res.status, text: await res.text() };
}
