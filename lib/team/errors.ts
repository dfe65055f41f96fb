import { AgentOsError } from '../db/errors';
import type { TeamStatus } from './types';

/** Raised inside a run to stop it cleanly; the runner turns it into a status. */
export class RunStopped extends AgentOsError {
	constructor(
		readonly status: Exclude<TeamStatus, 'completed' | 'partial'>,
		message: string,
	) {
		super(message, 'TEAM_STOPPED');
		this.name = 'RunStopped';
	}
}

/** A member (or the leader) could not produce an answer. */
export class MemberFailed extends AgentOsError {
	constructor(
		readonly member: string,
		message: string,
	) {
		super(`${member}: ${message}`, 'TEAM_MEMBER_FAILED');
		this.name = 'MemberFailed';
	}
}

export class TimeoutError extends AgentOsError {
	constructor(what: string, ms: number) {
		super(`${what} timed out after ${ms} ms`, 'TEAM_TIMEOUT');
		this.name = 'TimeoutError';
	}
}

export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

export function isAbortError(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	return error.name === 'AbortError' || /aborted|abort/i.test(error.message);
}
