import { createHash } from 'node:crypto';
import { counter, histogram } from '../metrics';
import { buildDetectors, type Policy, type PolicyRule } from './policy';
import { redact, type RedactResult } from './redact';
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

	constructor(readonly policy: Policy) {
		this.detectors = buildDetectors(policy);
		this.redactable = new Set(this.detectors.filter((d) => d.redactable).map((d) => d.name));
		this.scanLimit = policy.detectors.size?.maxChars ?? 1_000_000;
	}

	/** The rule a finding falls under: the first that matches, else the policy defaults. */
	ruleFor(f: Finding): Pick<PolicyRule, 'severity' | 'action'> {
		for (const rule of this.policy.rules) {
			if (rule.minScore !== undefined && f.score < rule.minScore) continue;
			const list = Array.isArray(rule.match) ? rule.match : [rule.match];
			if (list.some((p) => matches(p, f))) return rule;
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
		raw.push(...(options.extraFindings ?? []));
		const findings: DecidedFinding[] = raw.map((f) => ({ ...f, ...pick(this.ruleFor(f)) }));
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

		const toRedact = findings.filter(
			(f) => f.action === 'redact' && this.redactable.has(f.detector),
		);
		let red: RedactResult = { text, replaced: 0 };
		if (toRedact.length) {
			red = redact(text, toRedact, { ...this.policy.redaction, key: options.redactionKey });
		}
		const auditText = redact(
			text,
			findings.filter((f) => this.redactable.has(f.detector)),
			{ mode: 'tag' },
		).text;
		findings.sort((a, b) => a.start - b.start);
		decisions.inc({ action, policy: this.policy.name });
		// One increment per (type, action) pair rather than per finding: dense texts have dozens.
		const perKind = new Map<string, { type: string; action: string; n: number }>();
		for (const f of findings) {
			const key = `${f.type}\u0000${f.action}`;
			const k = perKind.get(key);
			if (k) k.n++;
			else perKind.set(key, { type: f.type, action: f.action, n: 1 });
		}
		for (const { type, action, n } of perKind.values()) findingsTotal.inc({ type, action }, n);
		stop();
		return {
			policy: this.policy.name,
			action,
			risk,
			findings,
			redactedText: red.text,
			vault: red.vault,
			auditText,
			textSha256: createHash('sha256').update(text, 'utf8').digest('hex'),
			truncated,
			reasons,
		};
	}
}

function pick(r: Pick<PolicyRule, 'severity' | 'action'>): { severity: Severity; action: Action } {
	return { severity: r.severity, action: r.action };
}

/** Findings without their matched text: what may leave the process (audit, logs, output). */
export function withoutText<T extends Finding>(findings: T[]): Array<Omit<T, 'text'>> {
	return findings.map(({ text: _text, ...rest }) => rest);
}
