import { ValidationError } from '../../../lib/db/errors';
import {
	backoffDelay,
	extractJson,
	findCycle,
	isRetryable,
	parsePlan,
	TeamRunner,
	type TeamSpec,
} from '../../../lib/team';
import { FakeToolCallingModel, httpError } from './fake-model';

const model = new FakeToolCallingModel(['ok']);
const make = (over: Partial<TeamSpec>) =>
	new TeamRunner({ mode: 'coordinate', model, members: [{ name: 'a' }], ...over });

describe('team definition', () => {
	it.each<[string, Partial<TeamSpec>, RegExp]>([
		['no model', { model: undefined as never }, /No chat model for the team leader/],
		['no members', { members: [] }, /no members/],
		[
			'a member without a name',
			{ members: [{ name: 'a' }, { name: '  ' }] },
			/Member 2 has no name/,
		],
		[
			'duplicate names',
			{ members: [{ name: 'Writer' }, { name: 'writer' }] },
			/Two members are named "writer"/,
		],
		[
			'an unknown tool',
			{ members: [{ name: 'a', tools: ['search'] }] },
			/Tool "search" allowed for member "a" is not connected/,
		],
		['an unknown fallback', { fallbackMember: 'b' }, /fallback member "b" is not a member/],
		['an unknown mode', { mode: 'swarm' as never }, /Unknown team mode "swarm"/],
		['a bad limit', { limits: { maxTurns: 0 } }, /maxTurns must be a whole number/],
		['a bad schema', { outputSchema: { type: 'nonsense' } }, /output schema is invalid/],
	])('rejects %s', (_label, over, message) => {
		expect(() => make(over)).toThrow(ValidationError);
		expect(() => make(over)).toThrow(message);
	});

	it('rejects a model without tool calling when tools are needed', async () => {
		const plain = { invoke: async () => ({ content: 'x' }) };
		const result = await make({ model: plain, members: [{ name: 'a', model: plain }] }).run('x');
		expect(result.status).toBe('failed');
		expect(result.errors.join()).toContain('does not support tool calling');
	});
});

describe('plan graph', () => {
	const names = ['a', 'b'];
	it('accepts a plan and canonicalises member names', () => {
		const parsed = parsePlan('{"tasks":[{"id":"x","member":"A","task":"do"}]}', names);
		expect(parsed).toEqual({
			ok: true,
			tasks: [{ id: 'x', member: 'a', task: 'do', dependsOn: [] }],
		});
	});
	it.each([
		['not json', /not JSON/],
		['{"tasks": []}', /no "tasks" array/],
		[
			'{"tasks":[{"id":"x","member":"a","task":"1"},{"id":"x","member":"b","task":"2"}]}',
			/two tasks have the id "x"/,
		],
		[
			'{"tasks":[{"id":"x","member":"a","task":"1","dependsOn":["y"]}]}',
			/depends on unknown task "y"/,
		],
		['{"tasks":[{"id":"x","member":"a","task":""}]}', /has no "task" text/],
	])('rejects %s', (text, reason) => {
		const parsed = parsePlan(text, names);
		expect(parsed.ok).toBe(false);
		expect(!parsed.ok && parsed.reason).toMatch(reason);
	});
	it('finds a cycle and names its path', () => {
		expect(
			findCycle([
				{ id: 'a', member: 'm', task: '', dependsOn: ['b'] },
				{ id: 'b', member: 'm', task: '', dependsOn: ['c'] },
				{ id: 'c', member: 'm', task: '', dependsOn: ['a'] },
			]),
		).toEqual(['a', 'b', 'c', 'a']);
		expect(findCycle([{ id: 'a', member: 'm', task: '', dependsOn: [] }])).toBeUndefined();
	});
});

describe('retry policy', () => {
	const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
	it('backs off exponentially with jitter, capped', () => {
		expect(backoffDelay(0, policy, () => 0)).toBe(50);
		expect(backoffDelay(0, policy, () => 1)).toBe(100);
		expect(backoffDelay(3, policy, () => 1)).toBe(800);
		expect(backoffDelay(10, policy, () => 1)).toBe(1000);
		expect(backoffDelay(10, policy, () => 0)).toBe(500);
	});
	it('retries 429 and 5xx, not 4xx or aborts', () => {
		expect(isRetryable(httpError(429))).toBe(true);
		expect(isRetryable(httpError(502))).toBe(true);
		expect(isRetryable(httpError(400))).toBe(false);
		expect(isRetryable(new Error('Rate limit reached for requests'))).toBe(true);
		expect(isRetryable(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(false);
	});
	it('extracts JSON from prose and fences', () => {
		expect(extractJson('here: {"a": 1} done')).toEqual({ a: 1 });
		expect(extractJson('```json\n[1,2]\n```')).toEqual([1, 2]);
	});
});
