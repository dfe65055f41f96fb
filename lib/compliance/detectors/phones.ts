import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/*
 * Phone numbers are validated by libphonenumber-js: a candidate is parsed
 * whole for each region in turn. Parsing is the costly part of PII scanning
 * (every check compiles the region's patterns, and a region whose calling code
 * is shared, like +1 with 25 countries, is matched against each of them), so a
 * prefilter settles, from the region's metadata alone, the candidates whose
 * digits cannot make a number of any length that region's numbering plans
 * allow. Only those are skipped, and only where the verdict is certain: see
 * `mayBeNumber`.
 */

// Loaded by libphonenumber-js/max already; the same module instance.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const METADATA = require('libphonenumber-js/metadata.max.json') as MetadataJson;

/** The parts of libphonenumber-js's numbering plan the prefilter reads. */
interface Plan {
	possibleLengths(): number[] | undefined;
	IDDPrefix(): string;
	nationalPrefixForParsing?: () => string | undefined;
	nationalPrefixTransformRule?: () => string | undefined;
}

/** What the prefilter needs to know about one region. */
export interface RegionPlan {
	callingCode: string;
	/** National number lengths possible in any country with this calling code. */
	lengths: Set<number>;
	/** The region's international call prefix, anchored. */
	idd: RegExp;
	/** National prefix of the region and of the calling code's main country, anchored. */
	ownPrefix: RegExp | null;
	mainPrefix: RegExp | null;
}

function planOf(metadata: Metadata, country: string): Plan | undefined {
	try {
		metadata.selectNumberingPlan(country as CountryCode);
	} catch {
		return undefined;
	}
	return metadata.numberingPlan as unknown as Plan | undefined;
}

function anchored(pattern: string | undefined): RegExp | null {
	return pattern ? new RegExp(`^(?:${pattern})`) : null;
}

/**
 * The prefilter's view of a region, or null where it cannot decide safely:
 * unknown region, a national prefix rule that rewrites digits, or a country
 * without possible lengths (any length is then "possible").
 */
export function regionPlan(region: CountryCode): RegionPlan | null {
	const metadata = new Metadata(METADATA);
	const own = planOf(metadata, region);
	if (!own) return null;
	const group = Object.entries(METADATA.country_calling_codes).find(([, countries]) =>
		(countries as string[]).includes(region),
	);
	if (!group) return null;
	const [callingCode, countries] = group as [string, string[]];
	const lengths = new Set<number>();
	for (const country of countries) {
		const plan = planOf(metadata, country);
		const list = plan?.possibleLengths();
		if (!list || list.length === 0) return null;
		for (const l of list) lengths.add(l);
	}
	const main = planOf(new Metadata(METADATA), countries[0]);
	if (!main) return null;
	for (const p of [own, main]) {
		if (typeof p.nationalPrefixForParsing !== 'function') return null;
		if (typeof p.nationalPrefixTransformRule !== 'function' || p.nationalPrefixTransformRule())
			return null;
	}
	return {
		callingCode,
		lengths,
		idd: new RegExp(`^(?:${own.IDDPrefix()})`),
		ownPrefix: anchored(own.nationalPrefixForParsing?.()),
		mainPrefix: anchored(main.nationalPrefixForParsing?.()),
	};
}

const plans = new Map<CountryCode, RegionPlan | null>();
function cachedPlan(region: CountryCode): RegionPlan | null {
	let p = plans.get(region);
	if (p === undefined) plans.set(region, (p = regionPlan(region)));
	return p;
}

/**
 * The candidate's digits when it is written with digits and the separators
 * space, tab, ( ) . - / only (no `+`, no extension): the whole input then goes
 * to libphonenumber as these digits. Null otherwise.
 */
export function plainDigits(candidate: string): string | null {
	let digits = '';
	let run = 0;
	for (let i = 0; i < candidate.length; i++) {
		const c = candidate.charCodeAt(i);
		if (c >= 48 && c <= 57) continue;
		if (c !== 32 && c !== 9 && c !== 40 && c !== 41 && c !== 46 && c !== 45 && c !== 47)
			return null;
		if (i > run) digits += candidate.slice(run, i);
		run = i + 1;
	}
	return run === 0 ? candidate : digits + candidate.slice(run);
}

/**
 * False only when libphonenumber cannot find the digits valid or possible for
 * the region (parsed with it as the default country). A number is valid or
 * possible only if its national significant number has one of the lengths the
 * selected country allows, and that country shares the region's calling code.
 * Without an international call prefix in front (then any calling code can
 * follow: always parsed), the national number is the digits themselves, the
 * digits less a national prefix, or, when they start with the calling code,
 * the rest less a national prefix. None of those lengths possible: no number.
 */
export function mayBeNumber(digits: string, plan: RegionPlan): boolean {
	const { lengths } = plan;
	if (plan.idd.test(digits)) return true;
	if (lengths.has(digits.length)) return true;
	const own = plan.ownPrefix?.exec(digits);
	if (own && lengths.has(digits.length - own[0].length)) return true;
	if (digits.startsWith(plan.callingCode)) {
		const rest = digits.slice(plan.callingCode.length);
		if (lengths.has(rest.length)) return true;
		const main = plan.mainPrefix?.exec(rest);
		if (main && lengths.has(rest.length - main[0].length)) return true;
	}
	return false;
}

/** Parser options per region, built once. */
const PARSE_INTERNATIONAL = { extract: false } as const;
const parseOptions = new Map<CountryCode, { defaultCountry: CountryCode; extract: false }>();
function optionsFor(region: CountryCode): { defaultCountry: CountryCode; extract: false } {
	let o = parseOptions.get(region);
	if (!o) parseOptions.set(region, (o = { defaultCountry: region, extract: false }));
	return o;
}

export type PhoneVerdict = 'valid' | 'possible' | null;

function parseVerdict(
	candidate: string,
	region: CountryCode | undefined,
	possible: boolean,
): PhoneVerdict {
	const pn = parsePhoneNumberFromString(
		candidate,
		region ? optionsFor(region) : PARSE_INTERNATIONAL,
	);
	if (!pn) return null;
	if (pn.isValid()) return 'valid';
	return possible && pn.isPossible() ? 'possible' : null;
}

/**
 * libphonenumber's verdict on a whole candidate for one region (none: a `+`
 * number); "possible" is asked only when `possible` is set. `prefilter: false`
 * always parses (the tests compare both ways).
 */
export function judgePhone(
	candidate: string,
	region: CountryCode | undefined,
	possible: boolean,
	prefilter = true,
): PhoneVerdict {
	if (region && prefilter) {
		const plan = cachedPlan(region);
		const digits = plan && plainDigits(candidate);
		if (plan && digits !== null && !mayBeNumber(digits, plan)) return null;
	}
	return parseVerdict(candidate, region, possible);
}

/**
 * The verdict over the regions in order: a `+` number is judged on its own
 * calling code; any other stops at the first region where it is valid, or,
 * when `possibleSuffices`, at the first where it is at least possible.
 */
export function phoneVerdict(
	candidate: string,
	regions: CountryCode[],
	possibleSuffices: boolean,
	prefilter = true,
): PhoneVerdict {
	if (candidate.charCodeAt(0) === 43) return parseVerdict(candidate, undefined, true);
	const digits = prefilter ? plainDigits(candidate) : null;
	let verdict: PhoneVerdict = null;
	for (const region of regions) {
		if (digits !== null) {
			const plan = cachedPlan(region);
			if (plan && !mayBeNumber(digits, plan)) continue;
		}
		const v = parseVerdict(candidate, region, !verdict);
		if (v) verdict = v;
		if (verdict === 'valid' || (verdict && possibleSuffices)) break;
	}
	return verdict;
}
