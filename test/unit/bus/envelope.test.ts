import {
	DEFAULT_PRIORITY,
	ValidationError,
	assertAgentName,
	assertType,
	createEnvelope,
	decodeEnvelope,
	encodeEnvelope,
	validateEnvelope,
} from '../../../lib/bus';

const base = () => createEnvelope({ type: 'task.created', sender: 'planner', payload: { a: 1 } });

describe('envelope', () => {
	it('fills id, timestamp, trace id and defaults', () => {
		const env = base();
		expect(env.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(env.traceId).toMatch(/^[0-9a-f]{32}$/);
		expect(Date.parse(env.timestamp)).not.toBeNaN();
		expect(env).toMatchObject({
			type: 'task.created',
			sender: 'planner',
			recipient: null,
			correlationId: null,
			replyTo: null,
			priority: DEFAULT_PRIORITY,
			payload: { a: 1 },
		});
		expect('error' in env).toBe(false);
	});

	it('round-trips through encode and decode', () => {
		const env = createEnvelope({
			type: 'content.generated',
			sender: 'writer',
			recipient: 'critic',
			correlationId: 'conv-1',
			replyTo: 'amq.rabbitmq.reply-to.abc==.def==',
			priority: 9,
			traceId: 'a'.repeat(32),
			payload: ['x', 2, null],
			error: 'nope',
		});
		const decoded = decodeEnvelope(encodeEnvelope(env));
		expect(decoded).toEqual({ ok: true, envelope: env });
	});

	it.each([
		[{ priority: 10 }, /priority" must be an integer 0-9, got 10/],
		[{ priority: 2.5 }, /priority/],
		[{ priority: -1 }, /priority/],
		[{ type: 'task.*' }, /type" "task\.\*" is not valid/],
		[{ type: '' }, /type/],
		[{ sender: '' }, /sender/],
		[{ sender: 'has space' }, /sender/],
		[{ recipient: 'a/b' }, /recipient/],
		[{ timestamp: 'yesterday' }, /timestamp" must be an ISO 8601 date/],
		[{ traceId: 'not valid!' }, /traceId/],
		[{ id: '' }, /"id" is missing or not valid/],
		[{ payload: undefined }, /payload" is missing/],
		[{ replyTo: 'bad reply to' }, /replyTo/],
		[{ error: 42 }, /error" must be a string/],
	])('rejects %j', (patch, message) => {
		const env = { ...base(), ...patch };
		expect(() => validateEnvelope(env)).toThrow(ValidationError);
		expect(() => validateEnvelope(env)).toThrow(message);
	});

	it('rejects non-objects', () => {
		expect(() => validateEnvelope(null)).toThrow('envelope must be a JSON object');
		expect(() => validateEnvelope([1])).toThrow('envelope must be a JSON object');
	});

	it('accepts a null payload and fills missing optional fields with null', () => {
		const { recipient: _r, correlationId: _c, replyTo: _t, ...rest } = { ...base(), payload: null };
		const env = validateEnvelope(rest);
		expect(env).toMatchObject({
			payload: null,
			recipient: null,
			correlationId: null,
			replyTo: null,
		});
	});

	it('refuses to encode an envelope over the size limit, saying by how much', () => {
		const env = createEnvelope({ type: 'a', sender: 's', payload: 'x'.repeat(3000) });
		expect(() => encodeEnvelope(env, 2048)).toThrow(/"a" is 3\.\d KiB, over the 2\.0 KiB limit/);
		expect(encodeEnvelope(env, 4096).length).toBeGreaterThan(3000);
	});

	it('refuses payloads JSON cannot express', () => {
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		const env = { ...base(), payload: cyclic };
		expect(() => encodeEnvelope(env)).toThrow(/cannot be serialised to JSON/);
	});

	it('decodes bad input into a reason instead of throwing', () => {
		expect(decodeEnvelope(Buffer.from('{oops'))).toMatchObject({
			ok: false,
			kind: 'malformed',
			reason: expect.stringMatching(/^malformed envelope: not JSON/),
		});
		expect(decodeEnvelope(Buffer.from('{"id":"x"}'))).toMatchObject({
			ok: false,
			kind: 'malformed',
			reason: expect.stringMatching(/^malformed envelope: .*"type"/),
		});
		expect(decodeEnvelope(Buffer.alloc(5000, 32), 1024)).toMatchObject({
			ok: false,
			kind: 'too_large',
			reason: 'envelope is 4.9 KiB, over the 1.0 KiB limit',
		});
	});

	it('validates agent names and types on their own', () => {
		expect(assertAgentName('writer-1')).toBe('writer-1');
		expect(() => assertAgentName('-lead')).toThrow(/not valid/);
		expect(() => assertAgentName('x'.repeat(129))).toThrow(/not valid/);
		expect(assertType('a.b-c.d_e')).toBe('a.b-c.d_e');
		expect(() => assertType('a..b')).toThrow(/not valid/);
		expect(() => assertType('a.#')).toThrow(/not valid/);
	});
});
