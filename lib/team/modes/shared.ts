import type { BaseMessage } from '@langchain/core/messages';
import type { RunContext } from '../context';

/** What a mode hands back to the runner; the runner adds schema, status and accounting. */
export interface ModeOutcome {
	text: string;
	/** Set when the mode itself decided how the run ended (turn limit, a failed plan). */
	status?: 'max_turns' | 'failed';
}

export type ModeFn = (
	ctx: RunContext,
	input: string,
	history: BaseMessage[],
) => Promise<ModeOutcome>;

/** Tool names allow letters, digits, `_` and `-` (64 at most); member names may hold anything. */
export function toolSafe(prefix: string, name: string, taken: Set<string>): string {
	const base = `${prefix}${name.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 60);
	let candidate = base;
	for (let i = 2; taken.has(candidate); i++) candidate = `${base.slice(0, 57)}_${i}`;
	taken.add(candidate);
	return candidate;
}
