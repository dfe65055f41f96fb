/** An error a user can act on: the message says what went wrong and how to fix it. */
export class AgentOsError extends Error {
	constructor(
		message: string,
		readonly code: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'AgentOsError';
	}
}

/** Raised for bad input: a parameter, an item field, an identifier. */
export class ValidationError extends AgentOsError {
	constructor(message: string, hint?: string) {
		super(message, 'VALIDATION', hint);
		this.name = 'ValidationError';
	}
}

/** Raised when a database cannot be reached or lacks what we need. */
export class StorageError extends AgentOsError {
	constructor(message: string, code = 'STORAGE', hint?: string) {
		super(message, code, hint);
		this.name = 'StorageError';
	}
}

/**
 * Removes anything that looks like a credential from a message: connection
 * strings with passwords, `password=...` pairs. Errors from drivers sometimes
 * echo their configuration; nothing secret may reach a user or a log.
 */
export function scrubSecrets(message: string, secrets: Array<string | undefined> = []): string {
	let out = message
		.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, '$1***@')
		.replace(/(password\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1***');
	for (const secret of secrets) {
		if (secret && secret.length >= 3) out = out.split(secret).join('***');
	}
	return out;
}
