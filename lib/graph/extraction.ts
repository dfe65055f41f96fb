import { z } from 'zod';
import { ValidationError } from '../db/errors';
import { ExtractionError } from './errors';
import type { EntityInput, EpisodeInput, EpisodeResult, RelationInput } from './model';
import { resolveEntity, type ResolutionCandidate } from './resolution';
import type { GraphStore } from './store';
import {
	assertEntityType,
	assertRelationType,
	checkTime,
	episodeId,
	normalizeName,
} from './validate';
import { observe } from './metrics';

/** A request for JSON that follows a schema: what a chat model with structured output answers. */
export interface StructuredRequest {
	name: string;
	instructions: string;
	input: string;
	schema: Record<string, unknown>;
}

/**
 * Asks a model for structured output. Returns the parsed object, or the raw
 * JSON text (it is parsed and validated here either way).
 */
export type StructuredOutputFn = (request: StructuredRequest) => Promise<unknown>;

const MAX_ENTITIES = 100;
const MAX_RELATIONS = 200;

/** The JSON schema the model is asked to follow. */
export const EXTRACTION_SCHEMA: Record<string, unknown> = {
	type: 'object',
	additionalProperties: false,
	required: ['entities', 'relations'],
	properties: {
		entities: {
			type: 'array',
			maxItems: MAX_ENTITIES,
			items: {
				type: 'object',
				additionalProperties: false,
				required: ['name', 'type'],
				properties: {
					name: { type: 'string', description: 'The name as written in the text' },
					type: { type: 'string', description: 'An entity type in PascalCase, e.g. Person' },
					aliases: { type: 'array', items: { type: 'string' } },
					properties: {
						type: 'object',
						additionalProperties: { type: ['string', 'number', 'boolean'] },
					},
				},
			},
		},
		relations: {
			type: 'array',
			maxItems: MAX_RELATIONS,
			items: {
				type: 'object',
				additionalProperties: false,
				required: ['from', 'type', 'to'],
				properties: {
					from: { type: 'string', description: 'Name of an entity listed in entities' },
					type: { type: 'string', description: 'UPPER_SNAKE_CASE verb, e.g. WORKS_AT' },
					to: { type: 'string', description: 'Name of an entity listed in entities' },
					validAt: {
						type: ['string', 'null'],
						description: 'ISO 8601 time the fact became true, if stated',
					},
					invalidAt: {
						type: ['string', 'null'],
						description: 'ISO 8601 time the fact stopped being true, if stated',
					},
					confidence: { type: 'number', minimum: 0, maximum: 1 },
				},
			},
		},
	},
};

const extractionOutput = z
	.object({
		entities: z
			.array(
				z
					.object({
						name: z.string().trim().min(1),
						type: z.string(),
						aliases: z.array(z.string()).optional(),
						properties: z.record(z.union([z.string(), z.number(), z.boolean()])).optional(),
					})
					.strict(),
			)
			.max(MAX_ENTITIES),
		relations: z
			.array(
				z
					.object({
						from: z.string().trim().min(1),
						type: z.string(),
						to: z.string().trim().min(1),
						validAt: z.string().nullish(),
						invalidAt: z.string().nullish(),
						confidence: z.number().min(0).max(1).optional(),
					})
					.strict(),
			)
			.max(MAX_RELATIONS),
	})
	.strict();

export type ExtractionOutput = z.infer<typeof extractionOutput>;

export interface ExtractOptions {
	/** Allowed entity types; empty = any valid type name. */
	entityTypes?: string[];
	/** Allowed relation types; empty = any valid type name. */
	relationTypes?: string[];
	/** Ask the model to choose among several close fuzzy matches; default true. */
	tieBreak?: boolean;
	/** Fuzzy match threshold, 0..1; default 0.8. */
	threshold?: number;
}

function instructions(options: ExtractOptions): string {
	const et = options.entityTypes?.length
		? `Use only these entity types: ${options.entityTypes.join(', ')}.`
		: 'Entity types are PascalCase nouns such as Person, Organization, Place, Project, Concept.';
	const rt = options.relationTypes?.length
		? `Use only these relation types: ${options.relationTypes.join(', ')}.`
		: 'Relation types are UPPER_SNAKE_CASE verbs such as WORKS_AT, LIVES_IN, KNOWS.';
	return [
		'Extract a knowledge graph from the text.',
		'List every entity the text mentions once, with the name as written and any other names it uses for it as aliases.',
		'List the facts the text states as relations between those entities, using their names for "from" and "to".',
		'Give validAt/invalidAt only when the text states when a fact began or ended.',
		et,
		rt,
		'Answer with JSON that follows the schema, and nothing else.',
	].join(' ');
}

/**
 * Validates what a model returned. Anything wrong — not JSON, not the
 * schema, an unknown or unsafe type, a relation to an entity that is not
 * listed, an unreadable time — rejects the whole output with every reason.
 */
export function validateExtraction(raw: unknown, options: ExtractOptions = {}): ExtractionOutput {
	let value = raw;
	if (typeof raw === 'string') {
		const text = raw.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
		try {
			value = JSON.parse(text);
		} catch (err) {
			throw new ExtractionError(`The model's answer is not valid JSON: ${(err as Error).message}`, [
				'not JSON',
			]);
		}
	}
	const parsed = extractionOutput.safeParse(value);
	if (!parsed.success) {
		const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
		throw new ExtractionError(
			`The model's answer does not follow the extraction schema: ${issues.slice(0, 5).join('; ')}`,
			issues,
		);
	}
	const out = parsed.data;
	const issues: string[] = [];
	const allowedE = new Set(options.entityTypes ?? []);
	const allowedR = new Set(options.relationTypes ?? []);
	const names = new Set<string>();
	out.entities.forEach((e, i) => {
		try {
			assertEntityType(e.type);
			if (allowedE.size && !allowedE.has(e.type))
				issues.push(`entities.${i}.type: unknown entity type ${JSON.stringify(e.type)}`);
		} catch (err) {
			issues.push(`entities.${i}.type: ${(err as Error).message}`);
		}
		for (const n of [e.name, ...(e.aliases ?? [])]) names.add(normalizeName(n));
	});
	out.relations.forEach((r, i) => {
		try {
			assertRelationType(r.type);
			if (allowedR.size && !allowedR.has(r.type))
				issues.push(`relations.${i}.type: unknown relation type ${JSON.stringify(r.type)}`);
		} catch (err) {
			issues.push(`relations.${i}.type: ${(err as Error).message}`);
		}
		for (const end of ['from', 'to'] as const) {
			if (!names.has(normalizeName(r[end])))
				issues.push(
					`relations.${i}.${end}: ${JSON.stringify(r[end])} is not one of the extracted entities`,
				);
		}
		for (const t of ['validAt', 'invalidAt'] as const) {
			const v = r[t];
			if (v !== undefined && v !== null) {
				try {
					checkTime(v, t);
				} catch {
					issues.push(`relations.${i}.${t}: ${JSON.stringify(v)} is not a time`);
				}
			}
		}
	});
	if (issues.length) {
		throw new ExtractionError(
			`The model's answer was rejected: ${issues.slice(0, 5).join('; ')}`,
			issues,
		);
	}
	return out;
}

const tieBreakSchema = {
	type: 'object',
	additionalProperties: false,
	required: ['key'],
	properties: {
		key: {
			type: ['string', 'null'],
			description: 'The key of the matching entity, or null if none matches',
		},
	},
};

export interface ExtractResult extends Omit<EpisodeResult, 'created'> {
	/** True when the episode had been extracted before: nothing was asked or written. */
	skipped: boolean;
	/** How each extracted entity was resolved. */
	resolutions: Array<{
		name: string;
		type: string;
		key: string;
		via: 'exact' | 'fuzzy' | 'model' | 'new';
	}>;
}

/**
 * Extracts entities and facts from an episode's text with a model and
 * writes them with the episode in one transaction.
 *
 * Idempotent per episode: an episode already extracted is returned as is,
 * without asking the model. Entity resolution runs exact → fuzzy → model
 * tie-break against the stored graph. Invalid model output writes nothing.
 */
export async function extractKnowledge(
	store: GraphStore,
	model: StructuredOutputFn,
	episode: EpisodeInput,
	options: ExtractOptions = {},
): Promise<ExtractResult> {
	return observe(store.backend, 'extract', async () => {
		if (!episode || typeof episode.content !== 'string' || episode.content.trim() === '') {
			throw new ValidationError(
				'The episode has no content to extract from',
				'Give the text in "content".',
			);
		}
		for (const t of options.entityTypes ?? []) assertEntityType(t);
		for (const t of options.relationTypes ?? []) assertRelationType(t);
		const id = episode.id ?? episodeId(episode);
		const existing = await store.getEpisode(id);
		if (existing?.extractedAt) {
			return {
				skipped: true,
				episode: existing,
				entities: [],
				relations: [],
				invalidated: [],
				createdEntities: [],
				resolutions: [],
			};
		}
		const raw = await model({
			name: 'knowledge_graph',
			instructions: instructions(options),
			input: episode.content,
			schema: EXTRACTION_SCHEMA,
		});
		const out = validateExtraction(raw, options);

		const resolutions: ExtractResult['resolutions'] = [];
		const keyOfName = new Map<string, string>();
		const entities: EntityInput[] = [];
		// Candidates for every mention in one look-up: exact name and alias
		// matches, and full-text matches only for mentions without an exact one.
		const candidateLists: ResolutionCandidate[][] = out.entities.length
			? await store.resolutionCandidates(
					out.entities.map((e) => ({ type: e.type, names: [e.name, ...(e.aliases ?? [])] })),
				)
			: [];
		for (const [index, e] of out.entities.entries()) {
			const candidates = candidateLists[index];
			const batchMatch = entities.find(
				(p) =>
					p.type === e.type &&
					[p.name, ...(p.aliases ?? [])].map(normalizeName).includes(normalizeName(e.name)),
			);
			let key: string | undefined = batchMatch?.key;
			let via: ExtractResult['resolutions'][number]['via'] = 'exact';
			if (!key) {
				const r = resolveEntity(e, candidates, { threshold: options.threshold });
				if (r.kind === 'exact' || r.kind === 'fuzzy') {
					key = r.key;
					via = r.kind;
				} else if (r.kind === 'ambiguous' && options.tieBreak !== false) {
					key = await tieBreak(
						model,
						e,
						candidates.filter((c) => r.candidates.some((x) => x.key === c.key)),
					);
					via = key ? 'model' : 'new';
				} else via = 'new';
			}
			const input: EntityInput = {
				type: e.type,
				name: e.name,
				aliases: e.aliases,
				properties: e.properties,
				key,
			};
			entities.push(input);
			resolutions.push({ name: e.name, type: e.type, key: key ?? '', via });
			for (const n of [e.name, ...(e.aliases ?? [])]) {
				if (!keyOfName.has(normalizeName(n))) keyOfName.set(normalizeName(n), key ?? '');
			}
		}
		// Entities without a resolved key get their derived key from the store's upsert.
		const result = await store.recordEpisode(
			{
				...episode,
				id,
				entities,
				relations: [],
			},
			{
				markExtracted: true,
				deferRelations: (resolved) => relationsFor(out, keyOfName, resolved, entities),
			},
		);
		resolutions.forEach((r, i) => {
			if (!r.key)
				r.key =
					result.entities.find((x) => x.name === entities[i].name && x.type === r.type)?.key ?? '';
		});
		const { created: _created, ...rest } = result;
		return { ...rest, skipped: false, resolutions };
	});
}

/** Maps the model's relations (by name) to keys, once the upsert has fixed every key. */
function relationsFor(
	out: ExtractionOutput,
	keyOfName: Map<string, string>,
	resolvedKeys: string[],
	inputs: EntityInput[],
): RelationInput[] {
	const byName = new Map<string, string>();
	inputs.forEach((e, i) => {
		for (const n of [e.name, ...(e.aliases ?? [])]) {
			const norm = normalizeName(n);
			if (!byName.has(norm)) byName.set(norm, resolvedKeys[i]);
		}
	});
	for (const [n, k] of keyOfName) if (k && !byName.has(n)) byName.set(n, k);
	return out.relations.map((r) => ({
		type: r.type,
		from: byName.get(normalizeName(r.from))!,
		to: byName.get(normalizeName(r.to))!,
		validAt: r.validAt ?? undefined,
		invalidAt: r.invalidAt ?? undefined,
		confidence: r.confidence ?? 0.9,
	}));
}

async function tieBreak(
	model: StructuredOutputFn,
	e: { name: string; type: string },
	candidates: ResolutionCandidate[],
): Promise<string | undefined> {
	const list = candidates
		.map((c) => `${c.key}: ${c.name}${c.aliases.length ? ` (aka ${c.aliases.join(', ')})` : ''}`)
		.join('\n');
	const raw = await model({
		name: 'entity_match',
		instructions:
			'Decide which known entity the new mention refers to. Answer with its key, or null if it is none of them.',
		input: `New mention: ${e.name} [${e.type}]\nKnown entities:\n${list}`,
		schema: tieBreakSchema,
	});
	let value = raw;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw);
		} catch {
			throw new ExtractionError('The model answered the entity tie-break with invalid JSON', [
				'tie-break not JSON',
			]);
		}
	}
	const key = (value as { key?: unknown } | null)?.key;
	if (key === null || key === undefined) return undefined;
	if (typeof key !== 'string' || !candidates.some((c) => c.key === key)) {
		throw new ExtractionError(
			`The model chose ${JSON.stringify(key)} in the entity tie-break, which is not one of the candidates`,
			['tie-break unknown key'],
		);
	}
	return key;
}
