import { ValidationError } from '../db/errors';
import type { CheckedEntity } from './validate';
import { normalizeName, uniqueStrings } from './validate';

/** An entity row as a backend stores it, with its normalized names for merging. */
export interface EntityRow {
	key: string;
	type: string;
	name: string;
	aliases: string[];
	aliasNorms: string[];
	properties: Record<string, unknown>;
	embedding?: number[];
}

export interface UpsertPlan {
	/**
	 * The rows the batch touches, in first-touched order. `changed` is false
	 * for a stored entity the batch leaves exactly as it was (a mention of a
	 * known entity by one of its names): there is nothing to write.
	 */
	rows: Array<EntityRow & { isNew: boolean; changed: boolean }>;
	/** The key each input ended up under. */
	resolvedKeys: string[];
	created: number;
	merged: number;
}

/**
 * Decides what a batch of upserts writes, given the stored entities that
 * share a key or a normalized name/alias with it. An input merges into the
 * entity with its key; failing that, into an entity of the same type that
 * shares a normalized name or alias; else it is new. Merging keeps the
 * stored name, adds the new name and aliases as aliases, overlays the
 * properties and takes the newest embedding. Inputs in one batch merge with
 * each other the same way.
 */
export function planUpsert(inputs: CheckedEntity[], existing: EntityRow[]): UpsertPlan {
	const byKey = new Map<string, EntityRow & { isNew: boolean; changed: boolean }>();
	const aliasIndex = new Map<string, string>();
	const index = (row: EntityRow) => {
		for (const n of row.aliasNorms) {
			const k = `${row.type}\u0000${n}`;
			if (!aliasIndex.has(k)) aliasIndex.set(k, row.key);
		}
	};
	for (const row of [...existing].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
		byKey.set(row.key, { ...row, isNew: false, changed: false });
		index(row);
	}
	const touched: string[] = [];
	const resolvedKeys: string[] = [];
	let created = 0;
	let merged = 0;
	for (const input of inputs) {
		let key: string | undefined = byKey.has(input.key) ? input.key : undefined;
		if (!key) {
			for (const n of input.aliasNorms) {
				key = aliasIndex.get(`${input.type}\u0000${n}`);
				if (key) break;
			}
		}
		const current = key ? byKey.get(key) : undefined;
		if (current) {
			if (current.type !== input.type) {
				throw new ValidationError(
					`Entity "${input.key}" already exists with type ${current.type}, not ${input.type}`,
					'Use the stored type, or a different key.',
				);
			}
			const aliases = uniqueStrings([...current.aliases, input.name, ...input.aliases]).filter(
				(a) => a !== current.name,
			);
			const properties = { ...current.properties, ...input.properties };
			const embedding = input.embedding ?? current.embedding;
			const next = {
				...current,
				aliases,
				aliasNorms: uniqueStrings(
					[current.name, ...aliases].map(normalizeName).filter((s) => s !== ''),
				),
				properties,
				embedding,
				changed:
					current.changed ||
					!sameStrings(aliases, current.aliases) ||
					JSON.stringify(properties) !== JSON.stringify(current.properties) ||
					!sameNumbers(embedding, current.embedding),
			};
			byKey.set(current.key, next);
			index(next);
			if (!touched.includes(current.key)) {
				touched.push(current.key);
				if (!current.isNew) merged++;
			}
			resolvedKeys.push(current.key);
		} else {
			const row = { ...input, isNew: true, changed: true };
			byKey.set(input.key, row);
			index(row);
			touched.push(input.key);
			resolvedKeys.push(input.key);
			created++;
		}
	}
	return { rows: touched.map((k) => byKey.get(k)!), resolvedKeys, created, merged };
}

function sameStrings(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameNumbers(a: number[] | undefined, b: number[] | undefined): boolean {
	if (!a || !b) return a === b;
	return a.length === b.length && a.every((x, i) => x === b[i]);
}
