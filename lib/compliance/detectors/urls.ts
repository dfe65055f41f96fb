import { AnchorSet, anchoredMatches, hitsOf } from '../text';
import type { Detector, Finding } from '../types';

export interface UrlOptions {
	/** Only these hosts (and their subdomains with `*.`) may appear; empty = any host. */
	allowHosts?: string[];
	/** These hosts (and subdomains with `*.`) are refused. */
	denyHosts?: string[];
	/** Allowed schemes, default http and https. */
	schemes?: string[];
	/** Report user:password@ in URLs (default true). */
	denyCredentials?: boolean;
	/** Report bare IP addresses as hosts (default false). */
	denyIpHosts?: boolean;
}

const URL_ANCHORS = new AnchorSet(['://', 'www.']);
const URL_RE =
	/\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}:\/\/[^\s<>"'`\\]{1,2048}|\bwww\.[^\s<>"'`\\]{3,2048}/g;

function hostMatches(host: string, patterns: string[]): boolean {
	return patterns.some((p) => {
		const pat = p.trim().toLowerCase();
		if (!pat) return false;
		if (pat.startsWith('*.')) return host === pat.slice(2) || host.endsWith(pat.slice(1));
		return host === pat;
	});
}

/** URL rules: schemes, host allow / deny lists, credentials embedded in URLs, IP and punycode hosts. */
export function urlDetector(options: UrlOptions = {}): Detector {
	const schemes = (options.schemes ?? ['http', 'https']).map((s) =>
		s.toLowerCase().replace(/:$/, ''),
	);
	const allow = options.allowHosts ?? [];
	const deny = options.denyHosts ?? [];
	const denyCreds = options.denyCredentials !== false;
	return {
		name: 'urls',
		redactable: true,
		scan(text: string): Finding[] {
			const out: Finding[] = [];
			for (const m of anchoredMatches(
				text,
				URL_RE,
				hitsOf(URL_ANCHORS.find(text), ['://', 'www.']),
				20,
				2060,
				true,
			)) {
				let raw = m.text.replace(/[.,;:!?)\]}]+$/, '');
				const start = m.index;
				const end = start + raw.length;
				if (raw.toLowerCase().startsWith('www.')) raw = 'http://' + raw;
				let url: URL;
				try {
					url = new URL(raw);
				} catch {
					continue;
				}
				const scheme = url.protocol.replace(/:$/, '').toLowerCase();
				const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
				const add = (type: string, rule: string, score: number) =>
					out.push({
						type,
						start,
						end,
						text: text.slice(start, end),
						score,
						rule,
						detector: 'urls',
					});
				if (!schemes.includes(scheme)) add('URL_SCHEME', `urls.scheme.${scheme}`, 0.9);
				if (denyCreds && (url.username || url.password))
					add('URL_CREDENTIALS', 'urls.credentials', 0.95);
				if (deny.length && hostMatches(host, deny)) add('URL_DENIED_HOST', 'urls.deny_host', 1);
				else if (allow.length && !hostMatches(host, allow))
					add('URL_NOT_ALLOWED', 'urls.not_allowed', 0.9);
				if (options.denyIpHosts && (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(':')))
					add('URL_IP_HOST', 'urls.ip_host', 0.7);
				if (host.split('.').some((label) => label.startsWith('xn--')))
					add('URL_PUNYCODE', 'urls.punycode_host', 0.5);
			}
			return out;
		},
	};
}
