import { looksBinary } from '../text';
import type { Detector, Finding } from '../types';

export interface SizeOptions {
	/** Maximum characters (UTF-16 code units); default 1,000,000. */
	maxChars?: number;
	/** Maximum UTF-8 bytes; default 4 MiB. */
	maxBytes?: number;
	/** Report binary content (NUL bytes, mostly control characters); default true. */
	denyBinary?: boolean;
}

export function sizeDetector(options: SizeOptions = {}): Detector {
	const maxChars = options.maxChars ?? 1_000_000;
	const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
	const denyBinary = options.denyBinary !== false;
	return {
		name: 'size',
		redactable: false,
		scan(text: string): Finding[] {
			const out: Finding[] = [];
			if (text.length > maxChars) {
				out.push({
					type: 'SIZE_LIMIT',
					start: maxChars,
					end: text.length,
					score: 1,
					rule: 'size.max_chars',
					detector: 'size',
				});
			} else if (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes) {
				out.push({
					type: 'SIZE_LIMIT',
					start: 0,
					end: text.length,
					score: 1,
					rule: 'size.max_bytes',
					detector: 'size',
				});
			}
			if (denyBinary && looksBinary(text)) {
				out.push({
					type: 'BINARY_CONTENT',
					start: 0,
					end: text.length,
					score: 1,
					rule: 'size.binary',
					detector: 'size',
				});
			}
			return out;
		},
	};
}
