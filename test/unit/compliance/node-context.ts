import type { IExecuteFunctions, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

/** A minimal stand-in for n8n's execute / webhook contexts: parameters by name, per item where given as a function. */
export type Params = Record<string, unknown>;

export interface FakeRun {
	ctx: IExecuteFunctions;
	waits: Date[];
	posts: Array<{ url: string; body: unknown }>;
	signatureRequired: () => boolean;
}

/** The node as n8n hands it to the code: the tool variant has the type ending in "Tool". */
function fakeNode(type = 'n8n-nodes-agent-os.complianceAirlock') {
	return {
		id: 'node-1',
		name: 'Compliance Airlock',
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

export function executeContext(
	items: INodeExecutionData[],
	params: Params,
	options: { continueOnFail?: boolean; httpFails?: boolean; model?: unknown; type?: string } = {},
): FakeRun {
	const waits: Date[] = [];
	const posts: Array<{ url: string; body: unknown }> = [];
	let signature = false;
	const ctx = {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = params[name];
			if (typeof v === 'function') return (v as (i: number) => unknown)(i);
			return v === undefined ? fallback : v;
		},
		continueOnFail: () => options.continueOnFail === true,
		getNode: () => fakeNode(options.type),
		getWorkflow: () => ({ id: 'wf-1', name: 'wf', active: false }),
		getExecutionId: () => 'exec-1',
		getInputConnectionData: async () => options.model,
		setSignatureValidationRequired: () => {
			signature = true;
		},
		getSignedResumeUrl: (q: Record<string, string>) =>
			`http://n8n.local/webhook-waiting/exec-1/node-1?${new URLSearchParams(q).toString()}&signature=x`,
		putExecutionToWait: async (d: Date) => {
			waits.push(d);
		},
		getCredentials: async () => {
			throw new Error('no credentials in this test');
		},
		helpers: {
			httpRequest: async (req: { url: string; body: unknown }) => {
				if (options.httpFails) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
				posts.push({ url: req.url, body: req.body });
				return {};
			},
			prepareBinaryData: async (data: Buffer, fileName: string, mimeType: string) => ({
				data: data.toString('base64'),
				fileName,
				mimeType,
			}),
		},
	};
	return {
		ctx: ctx as unknown as IExecuteFunctions,
		waits,
		posts,
		signatureRequired: () => signature,
	};
}

export interface FakeResponse {
	statusCode: number;
	body: string;
}

export function webhookContext(
	url: string,
	method: 'GET' | 'POST',
	params: Params,
	body: Record<string, unknown> = {},
	type?: string,
): { ctx: IWebhookFunctions; res: FakeResponse } {
	const u = new URL(url);
	const res: FakeResponse = { statusCode: 200, body: '' };
	const response = {
		status(code: number) {
			res.statusCode = code;
			return response;
		},
		send(b: string) {
			res.body = b;
			return response;
		},
	};
	const ctx = {
		getNode: () => fakeNode(type),
		getRequestObject: () => ({ method, url: u.pathname + u.search }),
		getResponseObject: () => response,
		getQueryData: () => Object.fromEntries(u.searchParams.entries()),
		getBodyData: () => body,
		getNodeParameter: (name: string, fallback?: unknown) =>
			params[name] === undefined ? fallback : params[name],
		getCredentials: async () => {
			throw new Error('no credentials in this test');
		},
	};
	return { ctx: ctx as unknown as IWebhookFunctions, res };
}
