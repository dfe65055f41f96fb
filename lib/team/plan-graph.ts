/** The task graph a leader writes in plan mode: parsing and validation. */
import { extractJson } from './output';

export interface PlanTask {
	id: string;
	member: string;
	task: string;
	dependsOn: string[];
}

export type ParsedPlan = { ok: true; tasks: PlanTask[] } | { ok: false; reason: string };

export function parsePlan(text: string, memberNames: string[]): ParsedPlan {
	let raw: unknown;
	try {
		raw = extractJson(text);
	} catch (error) {
		return { ok: false, reason: `the plan is ${(error as Error).message}` };
	}
	const list = Array.isArray(raw) ? raw : (raw as { tasks?: unknown })?.tasks;
	if (!Array.isArray(list) || list.length === 0) {
		return { ok: false, reason: 'the plan has no "tasks" array with at least one task' };
	}
	const canonical = new Map(memberNames.map((n) => [n.toLowerCase(), n]));
	const tasks: PlanTask[] = [];
	for (const [i, entry] of list.entries()) {
		const t = (entry ?? {}) as Record<string, unknown>;
		const id = typeof t.id === 'string' && t.id.trim() ? t.id.trim() : `t${i + 1}`;
		const memberRaw = typeof t.member === 'string' ? t.member.trim() : '';
		const member = canonical.get(memberRaw.toLowerCase());
		if (!member) {
			return {
				ok: false,
				reason: `task "${id}" names unknown member "${memberRaw}"; members are ${memberNames.join(', ')}`,
			};
		}
		const task = typeof t.task === 'string' ? t.task.trim() : '';
		if (!task) return { ok: false, reason: `task "${id}" has no "task" text` };
		const deps = t.dependsOn ?? t.depends_on ?? [];
		if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) {
			return { ok: false, reason: `task "${id}" has a "dependsOn" that is not a list of task ids` };
		}
		tasks.push({ id, member, task, dependsOn: deps as string[] });
	}
	const ids = new Set<string>();
	for (const t of tasks) {
		if (ids.has(t.id)) return { ok: false, reason: `two tasks have the id "${t.id}"` };
		ids.add(t.id);
	}
	for (const t of tasks) {
		const unknown = t.dependsOn.find((d) => !ids.has(d));
		if (unknown)
			return { ok: false, reason: `task "${t.id}" depends on unknown task "${unknown}"` };
	}
	const cycle = findCycle(tasks);
	if (cycle) return { ok: false, reason: `the tasks ${cycle.join(' → ')} form a cycle` };
	return { ok: true, tasks };
}

/** A dependency cycle as a path that starts and ends on the same task, or undefined. */
export function findCycle(tasks: PlanTask[]): string[] | undefined {
	const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
	const state = new Map<string, 'visiting' | 'done'>();
	const path: string[] = [];
	const visit = (id: string): string[] | undefined => {
		if (state.get(id) === 'done') return undefined;
		if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
		state.set(id, 'visiting');
		path.push(id);
		for (const d of deps.get(id) ?? []) {
			const found = visit(d);
			if (found) return found;
		}
		path.pop();
		state.set(id, 'done');
		return undefined;
	};
	for (const t of tasks) {
		const found = visit(t.id);
		if (found) return found;
	}
	return undefined;
}
