import { AgentOsError, ValidationError } from '../db/errors';

export { ValidationError };

/**
 * A bus failure a user can act on. `code` tells the kind apart:
 * BUS_CONNECT (broker unreachable), BUS_CONNECTION_LOST, BUS_TIMEOUT (no reply),
 * BUS_UNROUTABLE (unknown recipient), BUS_REMOTE (the recipient replied with an
 * error), BUS_CLOSED (used after close), BUS_PUBLISH (broker refused a message).
 */
export class BusError extends AgentOsError {
	constructor(message: string, code: string, hint?: string) {
		super(message, code, hint);
		this.name = 'BusError';
	}
}
