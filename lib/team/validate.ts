/** Checks a team definition before anything runs; every message says what to fix. */
import { ValidationError } from '../db/errors';
import { DEFAULT_LIMITS, type ResolvedMember } from './context';
import { schemaProblem } from './output';
import { TEAM_MODES, type TeamLimits, type TeamSpec, type ToolLike } from './types';

export interface ResolvedTeam {
	members: Map<string, ResolvedMember>;
	leaderTools: ToolLike[];
	limits: TeamLimits;
}

export function resolveTeam(spec: TeamSpec): ResolvedTeam {
	if (!TEAM_MODES.includes(spec.mode)) {
		throw new ValidationError(
			`Unknown team mode "${String(spec.mode)}"`,
			`Use one of: ${TEAM_MODES.join(', ')}`,
		);
	}
	if (!isModel(spec.model)) {
		throw new ValidationError(
			'No chat model for the team leader',
			'Connect a chat model to the Model input',
		);
	}
	if (!Array.isArray(spec.members) || spec.members.length === 0) {
		throw new ValidationError('The team has no members', 'Define at least one member with a name');
	}
	const tools = new Map<string, ToolLike>();
	for (const tool of spec.tools ?? []) {
		if (!tool || typeof tool.name !== 'string' || typeof tool.invoke !== 'function') {
			throw new ValidationError(
				'A connected tool has no name or cannot be invoked',
				'Connect LangChain tools only',
			);
		}
		tools.set(tool.name, tool);
	}
	const members = new Map<string, ResolvedMember>();
	const seen = new Map<string, string>();
	for (const [i, m] of spec.members.entries()) {
		const name = typeof m?.name === 'string' ? m.name.trim() : '';
		if (!name) {
			throw new ValidationError(`Member ${i + 1} has no name`, 'Give every member a unique name');
		}
		const key = name.toLowerCase();
		if (seen.has(key)) {
			throw new ValidationError(
				`Two members are named "${name}"`,
				'Give every member a unique name (names are compared without regard to case)',
			);
		}
		seen.set(key, name);
		const model = m.model ?? spec.memberModel ?? spec.model;
		if (!isModel(model)) {
			throw new ValidationError(
				`Member "${name}" has no usable chat model`,
				'Connect a chat model',
			);
		}
		if (m.outputSchema) {
			const problem = schemaProblem(m.outputSchema);
			if (problem) {
				throw new ValidationError(
					`The output schema of member "${name}" is invalid: ${problem}`,
					'Fix the JSON schema',
				);
			}
		}
		members.set(name, {
			...m,
			name,
			model,
			toolList: allowedTools(m.tools, tools, `member "${name}"`),
		});
	}
	if (spec.fallbackMember && !members.has(spec.fallbackMember)) {
		throw new ValidationError(
			`The fallback member "${spec.fallbackMember}" is not a member of the team`,
			`Use one of: ${[...members.keys()].join(', ')}`,
		);
	}
	if (spec.outputSchema) {
		const problem = schemaProblem(spec.outputSchema);
		if (problem)
			throw new ValidationError(
				`The team's output schema is invalid: ${problem}`,
				'Fix the JSON schema',
			);
	}
	return {
		members,
		leaderTools: allowedTools(spec.leaderTools, tools, 'the leader'),
		limits: resolveLimits(spec),
	};
}

function isModel(model: unknown): boolean {
	return !!model && typeof (model as { invoke?: unknown }).invoke === 'function';
}

function allowedTools(
	names: string[] | undefined,
	tools: Map<string, ToolLike>,
	who: string,
): ToolLike[] {
	const wanted = (names ?? []).map((n) => n.trim()).filter(Boolean);
	if (wanted.includes('*')) return [...tools.values()];
	return wanted.map((name) => {
		const tool = tools.get(name);
		if (!tool) {
			throw new ValidationError(
				`Tool "${name}" allowed for ${who} is not connected`,
				tools.size
					? `Connected tools: ${[...tools.keys()].join(', ')}`
					: 'Connect the tool to the Tools input, or remove it from the allow-list',
			);
		}
		return tool;
	});
}

function resolveLimits(spec: TeamSpec): TeamLimits {
	const given = spec.limits ?? {};
	const limits: TeamLimits = {
		...DEFAULT_LIMITS,
		...stripUndefined(given),
		retry: { ...DEFAULT_LIMITS.retry, ...stripUndefined(given.retry ?? {}) },
	};
	const positive: Array<[string, number]> = [
		['maxTurns', limits.maxTurns],
		['maxDelegations', limits.maxDelegations],
		['maxConcurrency', limits.maxConcurrency],
	];
	for (const [name, value] of positive) {
		if (!Number.isInteger(value) || value < 1) {
			throw new ValidationError(
				`Limit ${name} must be a whole number of at least 1 (got ${value})`,
				`Set ${name} to 1 or more`,
			);
		}
	}
	const nonNegative: Array<[string, number]> = [
		['memberTimeoutMs', limits.memberTimeoutMs],
		['tokenBudget', limits.tokenBudget],
		['retry.maxRetries', limits.retry.maxRetries],
		['retry.baseDelayMs', limits.retry.baseDelayMs],
		['retry.maxDelayMs', limits.retry.maxDelayMs],
	];
	for (const [name, value] of nonNegative) {
		if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
			throw new ValidationError(
				`Limit ${name} must be 0 or more (got ${value})`,
				`Set ${name} to 0 or more`,
			);
		}
	}
	return limits;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
