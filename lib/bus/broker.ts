import type { Options } from 'amqplib';
import { scrubSecrets } from '../db/errors';
import { BusError, ValidationError } from './errors';

/**
 * Where the broker is. Either `url` (amqp:// or amqps://) or the fields of
 * n8n's built-in RabbitMQ credential (hostname, port, username, password,
 * vhost, ssl with optional CA, client certificate and key).
 */
export interface BrokerConfig {
	url?: string;
	hostname?: string;
	port?: number;
	username?: string;
	password?: string;
	vhost?: string;
	ssl?: boolean;
	/** TLS client certificate authentication without a password (EXTERNAL). */
	passwordless?: boolean;
	ca?: string;
	cert?: string;
	key?: string;
	passphrase?: string;
}

export interface ConnectTarget {
	/** What amqplib.connect takes. */
	connect: Options.Connect;
	socketOptions: Record<string, unknown>;
	/** Where we connect, without credentials, for messages. */
	display: string;
	secrets: string[];
}

/** Turns a broker config into amqplib's connect arguments. */
export function connectTarget(
	cfg: BrokerConfig,
	heartbeatSec = 10,
	clientName?: string,
): ConnectTarget {
	let protocol: string;
	let hostname: string;
	let port: number;
	let username: string;
	let password: string;
	let vhost: string;
	if (cfg.url) {
		let u: URL;
		try {
			u = new URL(cfg.url);
		} catch {
			throw new ValidationError(
				'the AMQP URL is not valid',
				'Use amqp://user:password@host:5672/vhost or amqps://… for TLS.',
			);
		}
		if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') {
			throw new ValidationError(
				`the AMQP URL must start with amqp:// or amqps://, not ${u.protocol}//`,
			);
		}
		protocol = u.protocol.slice(0, -1);
		hostname = u.hostname;
		port = Number(u.port || (protocol === 'amqps' ? 5671 : 5672));
		username = decodeURIComponent(u.username || 'guest');
		password = decodeURIComponent(u.password || 'guest');
		vhost = u.pathname && u.pathname !== '/' ? decodeURIComponent(u.pathname.slice(1)) : '/';
	} else {
		if (!cfg.hostname) {
			throw new ValidationError(
				'the RabbitMQ host name is empty',
				'Set Hostname in the RabbitMQ credential.',
			);
		}
		protocol = cfg.ssl ? 'amqps' : 'amqp';
		hostname = cfg.hostname;
		port = Number(cfg.port || (cfg.ssl ? 5671 : 5672));
		username = cfg.username || 'guest';
		password = cfg.password ?? '';
		vhost = cfg.vhost || '/';
	}
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new ValidationError(
			`the RabbitMQ port ${port} is not valid`,
			'Use 1-65535 (5672 by default).',
		);
	}
	const socketOptions: Record<string, unknown> = {
		clientProperties: { connection_name: clientName ?? 'n8n-nodes-agent-os' },
		timeout: 10_000,
		// Request/reply is latency-bound: without this, Nagle's algorithm adds ~40 ms per round trip.
		noDelay: true,
	};
	if (protocol === 'amqps') {
		if (cfg.ca) socketOptions.ca = [Buffer.from(cfg.ca)];
		if (cfg.cert) socketOptions.cert = Buffer.from(cfg.cert);
		if (cfg.key) socketOptions.key = Buffer.from(cfg.key);
		if (cfg.passphrase) socketOptions.passphrase = cfg.passphrase;
		if (cfg.passwordless) {
			// amqplib's EXTERNAL mechanism: the broker takes the identity from the client certificate.
			socketOptions.credentials = {
				mechanism: 'EXTERNAL',
				response: () => Buffer.from(''),
			};
		}
	}
	return {
		connect: { protocol, hostname, port, username, password, vhost, heartbeat: heartbeatSec },
		socketOptions,
		display: `${protocol}://${hostname}:${port}${vhost === '/' ? '/' : '/' + vhost}`,
		secrets: [password, cfg.passphrase ?? '', cfg.key ?? ''].filter((s) => s.length >= 3),
	};
}

const ERRNO_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	ETIMEDOUT: 'timed out',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
};

/** A connect failure as an error the user can act on (no secrets in it). */
export function connectError(err: Error & { code?: string }, target: ConnectTarget): BusError {
	const raw = scrubSecrets(String(err?.message ?? err), target.secrets);
	const code = err?.code;
	if (/ACCESS[-_]REFUSED|403/.test(raw)) {
		return new BusError(
			`RabbitMQ at ${target.display} refused the login`,
			'BUS_CONNECT',
			'Check the user name, password and vhost in the RabbitMQ credential.',
		);
	}
	if (/NOT[-_]ALLOWED|530/.test(raw)) {
		return new BusError(
			`RabbitMQ at ${target.display} does not allow access to this vhost`,
			'BUS_CONNECT',
			'Check the vhost in the RabbitMQ credential and the user permissions on it.',
		);
	}
	// Plain words rather than the errno: n8n replaces messages that contain some errno codes.
	const why = (code && ERRNO_WORDS[code]) || (code ? code.toLowerCase() : raw);
	return new BusError(
		`cannot reach RabbitMQ at ${target.display} (${why})`,
		'BUS_CONNECT',
		'Check that the broker is running and that host and port in the RabbitMQ credential are right.',
	);
}

/** Reads the fields of n8n's built-in `rabbitmq` credential (any plain object) into a BrokerConfig. */
export function brokerFromCredential(c: Record<string, unknown>): BrokerConfig {
	const str = (k: string) =>
		typeof c[k] === 'string' && c[k] !== '' ? (c[k] as string) : undefined;
	return {
		url: str('url'),
		hostname: str('hostname'),
		port: c.port === undefined || c.port === '' ? undefined : Number(c.port),
		username: str('username'),
		password: typeof c.password === 'string' ? c.password : undefined,
		vhost: str('vhost'),
		ssl: c.ssl === true,
		passwordless: c.passwordless === true,
		ca: str('ca'),
		cert: str('cert'),
		key: str('key'),
		passphrase: str('passphrase'),
	};
}
