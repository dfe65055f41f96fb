export * from './types';
export * from './errors';
export * from './checksums';
export * from './text';
export {
	piiDetector,
	PII_ENTITIES,
	DEFAULT_PHONE_REGIONS,
	resolveOverlaps,
	type PiiEntity,
	type PiiOptions,
} from './detectors/pii';
export { secretsDetector, type SecretsOptions } from './detectors/secrets';
export { injectionDetector, type InjectionOptions } from './detectors/injection';
export {
	keywordDetector,
	regexDetector,
	assertSafeRegex,
	compileRegexRule,
	type KeywordOptions,
	type RegexOptions,
	type RegexRule,
} from './detectors/lists';
export { urlDetector, type UrlOptions } from './detectors/urls';
export { sizeDetector, type SizeOptions } from './detectors/size';
export { contextScore } from './detectors/context';
export * from './redact';
export * from './policy';
export * from './engine';
export * from './judge';
export * from './audit';
export * from './holds';
export * from './storage';
