/** Turns the node's member parameters (fields or JSON) into engine member specs. */
import { AgentOsError } from '../../lib/db/errors';
import type { ChatModelLike, JsonSchema, MemberSpec } from '../../lib/team';
import { parseJsonParameter } from '../shared/errors';

interface MemberFields {
	name?: string;
	role?: string;
	instructions?: string;
	tools?: string | string[];
	model?: 'member' | 'leader';
	outputSchema?: unknown;
}

export function splitNames(value: unknown): string[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return list.map((s) => String(s).trim()).filter(Boolean);
}

export function optionalSchema(value: unknown, name: string): JsonSchema | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const parsed = parseJsonParameter(value, name);
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new AgentOsError(
			`${name} must be a JSON object (a JSON schema)`,
			'VALIDATION',
			`Write ${name} as {"type": "object", ...}`,
		);
	}
	return Object.keys(parsed).length ? (parsed as JsonSchema) : undefined;
}

export function readMembers(
	source: 'fields' | 'json',
	fields: { member?: MemberFields[] } | undefined,
	json: unknown,
	models: { leader: ChatModelLike; member?: ChatModelLike },
): MemberSpec[] {
	let raw: MemberFields[];
	if (source === 'json') {
		const parsed = parseJsonParameter(json, 'Members (JSON)');
		if (!Array.isArray(parsed)) {
			throw new AgentOsError(
				'Members (JSON) must be an array of members',
				'VALIDATION',
				'Write [{"name": "researcher", "role": "..."}, ...]',
			);
		}
		raw = parsed as MemberFields[];
	} else {
		raw = fields?.member ?? [];
	}
	return raw.map((m, i) => ({
		name: typeof m?.name === 'string' ? m.name : '',
		role: m?.role || undefined,
		instructions: m?.instructions || undefined,
		tools: splitNames(m?.tools),
		model: m?.model === 'leader' ? models.leader : (models.member ?? models.leader),
		outputSchema: optionalSchema(m?.outputSchema, `Output schema of member ${i + 1}`),
	}));
}
