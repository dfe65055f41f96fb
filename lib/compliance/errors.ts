import { StorageError, ValidationError } from '../db/errors';

/** A policy that does not parse or does not make sense; the message says where and why. */
export class PolicyError extends ValidationError {
	constructor(message: string, hint?: string) {
		super(message, hint);
		this.name = 'PolicyError';
	}
}

export { StorageError, ValidationError };
