import { hash } from 'node:crypto';
import { counter, histogram } from '../metrics';
import { buildDetectors, type Policy, type PolicyRule } from './policy';
import { redact } from './redact';
import { wellFormed } from './text';
import { actionRank, type Action, type Detector, type Finding, type Severity } from './types';

/** A finding with what the policy says about it. */
export interface DecidedFinding extends Finding {
	severity: Severity;
	action: Action;
}

export interface Decision {
	policy: string;
	/** The most restrictive action over all findings and risk thresholds. */
	action: Action;
	/** 0..1: the chance that at least one finding is a real problem, weighted by severity. */
	risk: number;
	findings: DecidedFinding[];
	/** The text with the findings whose action is `redact` replaced; equal to the input when none. */
	redactedText: string;
	/** `pseudonymise` mode: the sealed vault `restore` needs. */
	vault?: string;
	/** The text with every redactable finding tagged: what the audit trail stores. */
	auditText: string;
	/** SHA-256 of the original text, so an auditor can confirm a text without storing it. */
	textSha256: string;
	/** True when the text exceeded the size limit and only its first part was scanned. */
	truncated: boolean;
	/** Why the action is stricter than the findings alone make it (risk thresholds, truncation). */
	reasons: string[];
}

export interface CheckOptions {
	/** Findings from elsewhere (the LLM judge) decided with the same rules. */
	extraFindings?: Finding[];
	/** Key for `hash` / `pseudonymise` redaction. */
	redactionKey?: string;
}

const SEVERITY_WEIGHT: Record<Severity, number> = {
	low: 0.2,
	medium: 0.45,
	high: 0.75,
	critical: 1,
};

const decisions = counter(
	'compliance_decisions_total',
	'Compliance Airlock decisions by action and policy',
	['action', 'policy'],
);
const findingsTotal = counter(
	'compliance_findings_total',
	'Compliance Airlock findings by type and action',
	['type', 'action'],
);
const checkLatency = histogram(
	'compliance_check_seconds',
	'Time to check one text against a policy',
	['policy'],
);

function matches(pattern: string, f: Finding): boolean {
	if (pattern === '*') return true;
	if (pattern === f.type || pattern === f.detector || pattern === f.rule) return true;
	if (pattern.endsWith('*')) {
		const prefix = pattern.slice(0, -1);
		return f.rule.startsWith(prefix) || f.type.startsWith(prefix);
	}
	return false;
}

/** Checks texts against one policy. Build once per policy, call `check` per item. */
export class ComplianceEngine {
	private readonly detectors: Detector[];
	private readonly redactable: Set<string>;
	private readonly scanLimit: number;
	/**
	 * By a finding's detector, type and rule: the policy rules whose patterns match it, in
	 * order. Which of them applies then depends only on the score (`minScore`).
	 */
	private readonly candidates = new Map<string, Map<string, Map<string, PolicyRule[]>>>();
	private cached = 0;

	constructor(readonly policy: Policy) {
		this.detectors = buildDetectors(policy);
		this.redactable = new Set(this.detectors.filter((d) => d.redactable).map((d) => d.name));
		this.scanLimit = policy.detectors.size?.maxChars ?? 1_000_000;
	}

	/** The rule a finding falls under: the first that matches, else the policy defaults. */
	ruleFor(f: Finding): Pick<PolicyRule, 'severity' | 'action'> {
		let byType = this.candidates.get(f.detector);
		if (!byType) this.candidates.set(f.detector, (byType = new Map()));
		let byRule = byType.get(f.type);
		if (!byRule) byType.set(f.type, (byRule = new Map()));
		let rules = byRule.get(f.rule);
		if (!rules) {
			rules = this.policy.rules.filter((rule) =>
				(Array.isArray(rule.match) ? rule.match : [rule.match]).some((p) => matches(p, f)),
			);
			// Findings come in a few kinds; the bound only guards against unbounded rule names.
			if (this.cached < 10_000) {
				byRule.set(f.rule, rules);
				this.cached++;
			}
		}
		for (const rule of rules) {
			if (rule.minScore !== undefined && f.score < rule.minScore) continue;
			return rule;
		}
		return this.policy.defaults;
	}

	/** Runs every detector; does not decide. */
	scan(input: string): { findings: Finding[]; truncated: boolean; text: string } {
		const text = wellFormed(typeof input === 'string' ? input : String(input ?? ''));
		const truncated = text.length > this.scanLimit;
		const scanned = truncated ? text.slice(0, this.scanLimit) : text;
		const findings: Finding[] = [];
		for (const d of this.detectors) {
			// The size detector sees the whole text; the others only what is within the limit.
			findings.push(...d.scan(d.name === 'size' ? text : scanned));
		}
		return { findings, truncated, text };
	}

	check(input: string, options: CheckOptions = {}): Decision {
		const stop = checkLatency.startTimer({ policy: this.policy.name });
		const { findings: raw, truncated, text } = this.scan(input);
		const findings: DecidedFinding[] = [];
		for (const f of raw) {
			const { severity, action } = this.ruleFor(f);
			// The detectors' findings all have these fields in this order: a literal copies them
			// far faster than a spread over objects of several shapes.
			findings.push(
				f.text === undefined
					? { ...f, severity, action }
					: {
							type: f.type,
							start: f.start,
							end: f.end,
							text: f.text,
							score: f.score,
							rule: f.rule,
							detector: f.detector,
							severity,
							action,
						},
			);
		}
		for (const f of options.extraFindings ?? []) {
			const { severity, action } = this.ruleFor(f);
			findings.push({ ...f, severity, action });
		}
		let action: Action = 'allow';
		let survive = 1;
		const reasons: string[] = [];
		for (const f of findings) {
			if (actionRank(f.action) > actionRank(action)) action = f.action;
			if (f.action !== 'allow') survive *= 1 - SEVERITY_WEIGHT[f.severity] * f.score;
		}
		const risk = Math.round((1 - survive) * 10_000) / 10_000;
		const { review, block } = this.policy.thresholds;
		if (block !== undefined && risk >= block && actionRank(action) < actionRank('block')) {
			action = 'block';
			reasons.push(`risk ${risk} >= block threshold ${block}`);
		} else if (
			review !== undefined &&
			risk >= review &&
			actionRank(action) < actionRank('review')
		) {
			action = 'review';
			reasons.push(`risk ${risk} >= review threshold ${review}`);
		}
		if (truncated && actionRank(action) < actionRank('review')) {
			action = 'review';
			reasons.push(`text longer than ${this.scanLimit} characters was only partly scanned`);
		}

		const tagged = findings.filter((f) => this.redactable.has(f.detector));
		const toRedact = tagged.filter((f) => f.action === 'redact');
		const auditText = redact(text, tagged, { mode: 'tag' }).text;
		let redactedText = text;
		let vault: string | undefined;
		// Tag mode over the same findings gives the audit text again.
		if (this.policy.redaction.mode === 'tag' && toRedact.length === tagged.length)
			redactedText = auditText;
		else if (toRedact.length) {
			const red = redact(text, toRedact, { ...this.policy.redaction, key: options.redactionKey });
			redactedText = red.text;
			vault = red.vault;
		}
		findings.sort((a, b) => a.start - b.start);
		decisions.inc({ action, policy: this.policy.name });
		// One increment per (type, action) pair rather than per finding: dense texts have dozens.
		const perKind = new Map<string, Map<string, number>>();
		for (const f of findings) {
			let byAction = perKind.get(f.type);
			if (!byAction) perKind.set(f.type, (byAction = new Map()));
			byAction.set(f.action, (byAction.get(f.action) ?? 0) + 1);
		}
		for (const [type, byAction] of perKind)
			for (const [action, n] of byAction) findingsTotal.inc({ type, action }, n);
		stop();
		return {
			policy: this.policy.name,
			action,
			risk,
			findings,
			redactedText,
			vault,
			auditText,
			// One-shot hashing (Node >= 20.12): no Hash object per text. Strings are hashed as UTF-8.
			textSha256: hash('sha256', text, 'hex'),
			truncated,
			reasons,
		};
	}
}

/** Findings without their matched text: what may leave the process (audit, logs, output). */
export function withoutText<T extends Finding>(findings: T[]): Array<Omit<T, 'text'>> {
	return findings.map(({ text: _text, ...rest }) => rest);
}
