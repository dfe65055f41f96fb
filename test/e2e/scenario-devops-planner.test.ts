import { openai } from './harness/openai';
import { hook, systemOf, textOf, workflowOf } from './scenario-support';

interface Entry {
	seq: number;
	kind: string;
	actor: string;
	target?: string;
	content: string;
}
interface PlanReport {
	report: string;
	status: string;
	plan: Array<{ id: string; member: string; task: string; dependsOn: string[] }>;
	errors: string[];
	transcript: Entry[];
	usage: { byMember: Record<string, unknown> };
}

const PLAN = [
	{ id: 't1', member: 'server-setup', task: 'Prepare Ubuntu with Docker', dependsOn: [] },
	{ id: 't2', member: 'dns-manager', task: 'Records for n8n and supabase', dependsOn: [] },
	{ id: 't3', member: 'proxy-configurator', task: 'Nginx with TLS', dependsOn: ['t1', 't2'] },
	{ id: 't4', member: 'n8n-deployer', task: 'Compose service for n8n', dependsOn: ['t3'] },
	{ id: 't5', member: 'supabase-deployer', task: 'Supabase stack', dependsOn: ['t3'] },
	{ id: 't6', member: 'validator', task: 'Checks for everything', dependsOn: ['t4', 't5'] },
	{ id: 't7', member: 'reporter', task: 'Final report', dependsOn: ['t6'] },
];

describe('the devops-planner template: eight agents in plan mode', () => {
	beforeEach(() => openai.reset());

	it('is active', () => {
		expect(workflowOf('devops-planner.json')).toEqual(expect.objectContaining({ active: true }));
	});

	it('runs the task graph in dependency order and answers with the plan and report', async () => {
		await openai.rules(
			{
				system: 'Break the request into tasks',
				reply: { content: JSON.stringify({ tasks: PLAN }) },
			},
			...PLAN.map((t) => ({
				system: `You are "${t.member}"`,
				reply: { content: `${t.member} output for ${t.id}` },
			})),
			{
				system: 'Your members have worked on the request',
				reply: { content: 'DEPLOYMENT PLAN AND REPORT: seven steps, rollback ready.' },
			},
		);
		const res = await hook<PlanReport>('devops-planner', {
			request: 'Deploy n8n and Supabase behind Nginx on a fresh Ubuntu 24.04 VPS',
			domain: 'example.com',
			services: ['n8n', 'supabase'],
		});
		expect(res.status).toBe(200);
		expect(res.body.status).toBe('completed');
		expect(res.body.errors).toEqual([]);
		expect(res.body.report).toBe('DEPLOYMENT PLAN AND REPORT: seven steps, rollback ready.');
		expect(res.body.plan).toEqual(PLAN);
		expect(Object.keys(res.body.usage.byMember).sort()).toEqual(
			['leader', ...PLAN.map((t) => t.member)].sort(),
		);

		// Each task started only after every task it depends on had its result.
		const started = (member: string) =>
			res.body.transcript.find((e) => e.kind === 'delegation' && e.target === member)!.seq;
		const finished = (member: string) =>
			res.body.transcript.find((e) => e.kind === 'result' && e.actor === member)!.seq;
		const byId = new Map(PLAN.map((t) => [t.id, t]));
		for (const task of PLAN) {
			for (const dep of task.dependsOn) {
				expect(started(task.member)).toBeGreaterThan(finished(byId.get(dep)!.member));
			}
		}
		// The two independent first tasks both started before either finished: they ran in parallel.
		expect(Math.max(started('server-setup'), started('dns-manager'))).toBeLessThan(
			Math.min(finished('server-setup'), finished('dns-manager')),
		);

		const requests = await openai.requests();
		const plannerCall = requests.find((r) => systemOf(r).includes('Break the request'));
		expect(textOf(plannerCall!)).toContain('Domain: example.com');
		expect(textOf(plannerCall!)).toContain('Services: n8n, supabase');
		const proxyCall = requests.find((r) => systemOf(r).includes('You are "proxy-configurator"'));
		expect(textOf(proxyCall!)).toContain('server-setup output for t1');
		expect(textOf(proxyCall!)).toContain('dns-manager output for t2');
		const synthesis = requests.find((r) => systemOf(r).includes('Your members have worked'));
		expect(textOf(synthesis!)).toContain('reporter output for t7');
	});

	it.each([
		['a missing request', { domain: 'example.com' }, /request is required/],
		['a request that is not text', { request: 42 }, /request is required/],
		['an oversized request', { request: 'x'.repeat(4001) }, /at most 4000 characters/],
		['a bad domain', { request: 'deploy', domain: 'exa mple.com' }, /domain must be a host name/],
		['services that are not a list', { request: 'deploy', services: 'n8n' }, /services must be/],
		['a body that is not an object', ['deploy'], /must be a JSON object/],
	])('answers 400 for %s', async (_what, body, reason) => {
		const res = await hook<{ error: string }>('devops-planner', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
		expect(await openai.requests()).toHaveLength(0);
	});
});
