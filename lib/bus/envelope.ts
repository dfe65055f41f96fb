import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors';

/**
 * The one message shape on the bus. The JSON body carries every field; the AMQP
 * properties mirror the routing-relevant ones (message id, type, priority,
 * correlation id, reply-to) so the broker and plain AMQP tools can see them.
 */
export interface Envelope<P = unknown> {
	/** Unique message id; consumers deduplicate on it. */
	id: string;
	/** Dotted event or task name, e.g. `task.created`, `content.generated`. */
	type: string;
	/** Agent (or workflow) that sent it. */
	sender: string;
	/** Agent it is addressed to; null for events, which go to every subscriber. */
	recipient: string | null;
	/** Conversation id; on a reply, the id of the request it answers. */
	correlationId: string | null;
	/** Where a reply should go (a queue name or a direct reply-to address). */
	replyTo: string | null;
	/** 0 (lowest) … 9 (highest). */
	priority: number;
	/** ISO 8601 time of sending. */
	timestamp: string;
	/** Trace id shared by every message of one piece of work (W3C style, 32 hex chars). */
	traceId: string;
	/** Any JSON value. */
	payload: P;
	/** Set on a reply when the recipient failed: the error message. */
	error?: string | null;
}

export interface EnvelopeInput<P = unknown> {
	type: string;
	sender: string;
	payload: P;
	recipient?: string | null;
	correlationId?: string | null;
	replyTo?: string | null;
	priority?: number;
	traceId?: string;
	id?: string;
	timestamp?: string;
	error?: string | null;
}

export const DEFAULT_PRIORITY = 5;
export const MAX_PRIORITY = 9;
/** Default upper bound for one encoded envelope. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

const ID_RE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const TYPE_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const TRACE_RE = /^[A-Za-z0-9-]{1,64}$/;
const REPLY_TO_RE = /^[A-Za-z0-9._:@/+=-]{1,255}$/;

/** True when `name` can be an agent name (a queue and routing-key fragment). */
export function isAgentName(name: unknown): name is string {
	return typeof name === 'string' && NAME_RE.test(name);
}

/** Throws a ValidationError naming the field when `name` is not a usable agent name. */
export function assertAgentName(name: unknown, field = 'agent name'): string {
	if (!isAgentName(name)) {
		throw new ValidationError(
			`${field} ${JSON.stringify(name)} is not valid`,
			'Use 1-128 characters: letters, digits and . _ : @ - (starting with a letter or digit).',
		);
	}
	return name;
}

/** Throws when `type` is not a dotted event/task name usable as a routing key. */
export function assertType(type: unknown, field = 'type'): string {
	if (typeof type !== 'string' || type.length > 255 || !TYPE_RE.test(type)) {
		throw new ValidationError(
			`${field} ${JSON.stringify(type)} is not valid`,
			'Use dot-separated words of letters, digits, _ or -, e.g. "task.created" (no wildcards, at most 255 characters).',
		);
	}
	return type;
}

/** 32 random hex characters (randomUUID draws from a cached entropy pool, unlike randomBytes). */
export function newTraceId(uuid: string = randomUUID()): string {
	return (
		uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24)
	);
}

/*
 * The time text of the last envelope made, reused within the same millisecond:
 * toISOString is the costliest step of building an envelope at high rates.
 */
let isoMs = -1;
let isoText = '';

function isoTime(ms: number): string {
	if (ms !== isoMs) {
		isoText = new Date(ms).toISOString();
		isoMs = ms;
	}
	return isoText;
}

/** An envelope timestamp in whole seconds since the epoch (the AMQP timestamp property). */
export function epochSeconds(timestamp: string): number {
	return Math.floor((timestamp === isoText ? isoMs : Date.parse(timestamp)) / 1000);
}

/** Builds a complete envelope from the caller's fields and validates them. */
export function createEnvelope<P>(input: EnvelopeInput<P>): Envelope<P> {
	const ownId = input.id === undefined || input.id === null;
	const id = ownId ? randomUUID() : (input.id as string);
	const env: Envelope<P> = {
		id,
		type: input.type,
		sender: input.sender,
		recipient: input.recipient ?? null,
		correlationId: input.correlationId ?? null,
		replyTo: input.replyTo ?? null,
		priority: input.priority ?? DEFAULT_PRIORITY,
		timestamp: input.timestamp ?? isoTime(Date.now()),
		// A new piece of work starts its trace with the first message's (random) id.
		traceId: input.traceId || (ownId ? newTraceId(id) : newTraceId()),
		payload: input.payload,
	};
	if (input.error !== undefined && input.error !== null) env.error = input.error;
	// What was generated here is valid by construction; the caller's fields are checked.
	checkEnvelope(env as unknown as Record<string, unknown>, {
		id: !ownId,
		timestamp: input.timestamp !== undefined && input.timestamp !== null,
		traceId: Boolean(input.traceId),
	});
	return env;
}

function optionalString(obj: Record<string, unknown>, key: string, re: RegExp): string | null {
	const v = obj[key];
	if (v === undefined || v === null) return null;
	if (typeof v !== 'string' || !re.test(v)) {
		throw new ValidationError(`envelope field "${key}" is not valid: ${JSON.stringify(v)}`);
	}
	return v;
}

/**
 * Checks an unknown value is an envelope and returns it normalised (missing
 * optional fields become null). Throws ValidationError saying which field is wrong.
 */
export function validateEnvelope(value: unknown): Envelope {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new ValidationError('envelope must be a JSON object');
	}
	const o = value as Record<string, unknown>;
	checkEnvelope(o);
	// A fresh object: unknown fields from the wire are dropped, missing optional ones become null.
	const env: Envelope = {
		id: o.id as string,
		type: o.type as string,
		sender: o.sender as string,
		recipient: (o.recipient ?? null) as string | null,
		correlationId: (o.correlationId ?? null) as string | null,
		replyTo: (o.replyTo ?? null) as string | null,
		priority: (o.priority ?? DEFAULT_PRIORITY) as number,
		timestamp: o.timestamp as string,
		traceId: o.traceId as string,
		payload: o.payload,
	};
	if (o.error !== undefined && o.error !== null) env.error = o.error as string;
	return env;
}

/** Which of the generated fields to check (all of them for an envelope from the wire). */
interface Checks {
	id: boolean;
	timestamp: boolean;
	traceId: boolean;
}

const CHECK_ALL: Checks = { id: true, timestamp: true, traceId: true };

/** Throws a ValidationError naming the first field that is wrong. */
function checkEnvelope(o: Record<string, unknown>, check: Checks = CHECK_ALL): void {
	if (check.id && (typeof o.id !== 'string' || !ID_RE.test(o.id))) {
		throw new ValidationError(
			`envelope field "id" is missing or not valid: ${JSON.stringify(o.id)}`,
		);
	}
	assertType(o.type, 'envelope field "type"');
	assertAgentName(o.sender, 'envelope field "sender"');
	const recipient = o.recipient ?? null;
	if (recipient !== null) assertAgentName(recipient, 'envelope field "recipient"');
	optionalString(o, 'correlationId', ID_RE);
	optionalString(o, 'replyTo', REPLY_TO_RE);
	const priority = o.priority ?? DEFAULT_PRIORITY;
	if (
		typeof priority !== 'number' ||
		!Number.isInteger(priority) ||
		priority < 0 ||
		priority > MAX_PRIORITY
	) {
		throw new ValidationError(
			`envelope field "priority" must be an integer 0-${MAX_PRIORITY}, got ${JSON.stringify(priority)}`,
		);
	}
	if (
		check.timestamp &&
		(typeof o.timestamp !== 'string' || Number.isNaN(Date.parse(o.timestamp)))
	) {
		throw new ValidationError(
			`envelope field "timestamp" must be an ISO 8601 date, got ${JSON.stringify(o.timestamp)}`,
		);
	}
	if (check.traceId && (typeof o.traceId !== 'string' || !TRACE_RE.test(o.traceId))) {
		throw new ValidationError(
			`envelope field "traceId" is missing or not valid: ${JSON.stringify(o.traceId)}`,
		);
	}
	if (!('payload' in o) || o.payload === undefined) {
		throw new ValidationError('envelope field "payload" is missing (use null for no payload)');
	}
	if (o.error !== undefined && o.error !== null && typeof o.error !== 'string') {
		throw new ValidationError('envelope field "error" must be a string when present');
	}
}

function formatBytes(n: number): string {
	if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
	if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
	return `${n} bytes`;
}

/** Serialises an envelope, refusing bodies over `maxBytes`. */
export function encodeEnvelope(env: Envelope, maxBytes = DEFAULT_MAX_BYTES): Buffer {
	let text: string;
	try {
		text = JSON.stringify(env);
	} catch (e) {
		throw new ValidationError(`envelope payload cannot be serialised to JSON: ${e.message}`);
	}
	const body = Buffer.from(text, 'utf8');
	if (body.length > maxBytes) {
		throw new ValidationError(
			`envelope "${env.type}" is ${formatBytes(body.length)}, over the ${formatBytes(maxBytes)} limit`,
			'Send a reference (a URL, a row id) instead of the data, or raise the size limit.',
		);
	}
	return body;
}

export type DecodeResult =
	| { ok: true; envelope: Envelope }
	| { ok: false; reason: string; kind: 'malformed' | 'too_large' };

/** Parses and validates a message body; never throws. */
export function decodeEnvelope(body: Buffer, maxBytes = DEFAULT_MAX_BYTES): DecodeResult {
	if (body.length > maxBytes) {
		return {
			ok: false,
			kind: 'too_large',
			reason: `envelope is ${formatBytes(body.length)}, over the ${formatBytes(maxBytes)} limit`,
		};
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch (e) {
		return { ok: false, kind: 'malformed', reason: `malformed envelope: not JSON (${e.message})` };
	}
	try {
		return { ok: true, envelope: validateEnvelope(parsed) };
	} catch (e) {
		return { ok: false, kind: 'malformed', reason: `malformed envelope: ${e.message}` };
	}
}
