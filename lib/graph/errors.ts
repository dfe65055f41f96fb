import { AgentOsError, ValidationError } from '../db/errors';

/** An entity, relation or episode that the caller named does not exist. */
export class NotFoundError extends AgentOsError {
	constructor(message: string, hint?: string) {
		super(message, 'NOT_FOUND', hint);
		this.name = 'NotFoundError';
	}
}

/** A model's extraction output was unusable; nothing was written. */
export class ExtractionError extends ValidationError {
	constructor(
		message: string,
		readonly issues: string[] = [],
	) {
		super(
			message,
			'Check the connected chat model supports structured (JSON) output, or adjust the allowed entity and relation types.',
		);
		this.name = 'ExtractionError';
	}
}
