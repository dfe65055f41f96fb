import type { AiMessageLike, CostReport, PriceTable, TokenUsage, UsageReport } from './types';

const zero = (): TokenUsage => ({ input: 0, output: 0, total: 0 });

/** Token counts of one model answer, from LangChain's `usage_metadata`. */
export function usageOf(message: AiMessageLike): TokenUsage {
	const u = message.usage_metadata;
	if (!u) return zero();
	const input = u.input_tokens ?? 0;
	const output = u.output_tokens ?? 0;
	return { input, output, total: u.total_tokens ?? input + output };
}

/** The model's name as providers report it (`model`, `modelName`), else its LangChain type. */
export function modelName(model: unknown): string {
	const m = model as Record<string, unknown> & { _llmType?: () => string };
	for (const key of ['model', 'modelName', 'name']) {
		if (typeof m?.[key] === 'string' && m[key]) return m[key] as string;
	}
	try {
		if (typeof m?._llmType === 'function') return m._llmType();
	} catch {
		// a model without a type name is simply "unknown"
	}
	return 'unknown';
}

function add(into: TokenUsage, u: TokenUsage): void {
	into.input += u.input;
	into.output += u.output;
	into.total += u.total;
}

/** Accumulates tokens per member and per model, and answers budget questions. */
export class UsageTracker {
	readonly total = zero();
	private readonly byMember = new Map<string, TokenUsage>();
	private readonly byModel = new Map<string, TokenUsage>();

	constructor(private readonly budget: number) {}

	record(actor: string, model: string, u: TokenUsage): void {
		add(this.total, u);
		for (const [map, key] of [
			[this.byMember, actor],
			[this.byModel, model],
		] as const) {
			const entry = map.get(key) ?? zero();
			add(entry, u);
			map.set(key, entry);
		}
	}

	exhausted(): boolean {
		return this.budget > 0 && this.total.total >= this.budget;
	}

	report(): UsageReport {
		return {
			total: { ...this.total },
			byMember: Object.fromEntries(this.byMember),
			byModel: Object.fromEntries(this.byModel),
		};
	}

	cost(prices: PriceTable | undefined): CostReport {
		const byModel: Record<string, number> = {};
		let total = 0;
		for (const [model, u] of this.byModel) {
			const price = priceFor(prices, model);
			if (!price) continue;
			const usd = (u.input * price.input + u.output * price.output) / 1_000_000;
			byModel[model] = round(usd);
			total += usd;
		}
		return { currency: 'USD', total: round(total), byModel };
	}
}

/** Exact name first, then the longest prefix (`gpt-4o` prices `gpt-4o-2024-08-06`), then `*`. */
function priceFor(prices: PriceTable | undefined, model: string) {
	if (!prices) return undefined;
	if (prices[model]) return prices[model];
	const prefix = Object.keys(prices)
		.filter((k) => k !== '*' && model.startsWith(k))
		.sort((a, b) => b.length - a.length)[0];
	return prefix ? prices[prefix] : prices['*'];
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
