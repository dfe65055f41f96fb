/** One thing a detector found in a text. Offsets are UTF-16 code units, `end` exclusive. */
export interface Finding {
	/** Entity or signal type, e.g. `CREDIT_CARD`, `PROMPT_INJECTION`, `SECRET`. */
	type: string;
	start: number;
	end: number;
	/** The matched text; dropped before anything is written to the audit trail. */
	text?: string;
	/** Confidence 0..1 after validation and context words. */
	score: number;
	/** The rule that fired, e.g. `pii.credit_card.luhn` or `injection.instruction_override`. */
	rule: string;
	/** The detector that produced the finding (`pii`, `secrets`, `injection`, ...). */
	detector: string;
}

/** A detector scans one text and returns its findings. Pure and synchronous. */
export interface Detector {
	readonly name: string;
	/** Whether its findings are spans of sensitive text that redaction may replace. */
	readonly redactable: boolean;
	scan(text: string): Finding[];
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Ordered from least to most restrictive; a decision takes the most restrictive. */
export const ACTIONS = ['allow', 'redact', 'review', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

export function actionRank(action: Action): number {
	return ACTIONS.indexOf(action);
}
