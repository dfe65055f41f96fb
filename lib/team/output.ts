/** Structured answers: parse JSON out of a model's text, validate it, and ask for one repair. */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonSchema } from './types';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** Validates a JSON schema itself; returns a reason when it cannot be compiled. */
export function schemaProblem(schema: JsonSchema): string | undefined {
	try {
		validatorFor(schema);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

function validatorFor(schema: JsonSchema): ValidateFunction {
	let fn = compiled.get(schema);
	if (!fn) {
		fn = ajv.compile(schema);
		compiled.set(schema, fn);
	}
	return fn;
}

/** The JSON in a model answer: the whole text, a fenced block, or the outermost braces. */
export function extractJson(text: string): unknown {
	const trimmed = text.trim();
	const candidates = [trimmed];
	const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed);
	if (fence) candidates.push(fence[1].trim());
	const open = trimmed.search(/[[{]/);
	const close = Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']'));
	if (open >= 0 && close > open) candidates.push(trimmed.slice(open, close + 1));
	let lastError: unknown;
	for (const candidate of candidates) {
		try {
			return JSON.parse(candidate);
		} catch (error) {
			lastError = error;
		}
	}
	throw new Error(`not JSON (${(lastError as Error).message})`);
}

export type Checked = { ok: true; value: unknown } | { ok: false; problem: string };

export function checkAgainstSchema(text: string, schema: JsonSchema): Checked {
	let value: unknown;
	try {
		value = extractJson(text);
	} catch (error) {
		return { ok: false, problem: (error as Error).message };
	}
	const validate = validatorFor(schema);
	if (validate(value)) return { ok: true, value };
	return { ok: false, problem: ajv.errorsText(validate.errors, { dataVar: 'answer' }) };
}

/**
 * Returns the answer as validated JSON. One repair: `repair` gets the
 * problem and returns a new answer; a second failure throws with the reason.
 */
export async function enforceSchema(
	text: string,
	schema: JsonSchema,
	repair: (problem: string) => Promise<string>,
): Promise<unknown> {
	const first = checkAgainstSchema(text, schema);
	if (first.ok) return first.value;
	const second = checkAgainstSchema(await repair(first.problem), schema);
	if (second.ok) return second.value;
	throw new Error(
		`the answer does not match the output schema after one repair: ${second.problem}`,
	);
}
