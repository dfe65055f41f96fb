/** The run shared by the Agent Team node and its tool variant: one team run per item. */
import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import {
	TeamRunner,
	type ChatModelLike,
	type MemoryLike,
	type PriceTable,
	type TeamMode,
	type ToolLike,
} from '../../lib/team';
import { parseJsonParameter, toNodeError } from '../shared/errors';
import { optionalSchema, readMembers, splitNames } from './members';

interface TeamOptions {
	fallbackMember?: string;
	includeTranscript?: boolean;
	leaderTools?: string;
	maxConcurrency?: number;
	maxDelegations?: number;
	maxRetries?: number;
	maxTurns?: number;
	memberTimeoutSeconds?: number;
	outputSchema?: unknown;
	priceTable?: unknown;
	tokenBudget?: number;
}

export async function executeTeam(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const [leader, member] = await connectedModels(this);
	const tools = await connectedTools(this);
	const memory = (await this.getInputConnectionData(NodeConnectionTypes.AiMemory, 0)) as
		| MemoryLike
		| undefined;
	const signal = this.getExecutionCancelSignal?.();
	// A calling agent pays for every token it reads: the tool variant leaves the transcript out by default.
	const calledAsTool = this.getNode().type.endsWith('agentTeamTool');
	const out: INodeExecutionData[] = [];

	for (let i = 0; i < items.length; i++) {
		try {
			const task = this.getNodeParameter('task', i) as string;
			if (typeof task !== 'string' || !task.trim()) {
				throw new NodeOperationError(this.getNode(), `The task of item ${i} is empty`, {
					itemIndex: i,
					description: 'Set Task to the text the team should work on, e.g. {{ $json.chatInput }}',
				});
			}
			const options = this.getNodeParameter('options', i, {}) as TeamOptions;
			const runner = new TeamRunner({
				mode: this.getNodeParameter('mode', i) as TeamMode,
				model: leader,
				memberModel: member,
				members: readMembers(
					this.getNodeParameter('membersSource', i) as 'fields' | 'json',
					this.getNodeParameter('members', i, {}) as IDataObject,
					this.getNodeParameter('membersJson', i, '[]'),
					{ leader, member },
				),
				leaderInstructions:
					(this.getNodeParameter('leaderInstructions', i, '') as string) || undefined,
				leaderTools: splitNames(options.leaderTools),
				tools,
				memory,
				fallbackMember: options.fallbackMember?.trim() || undefined,
				outputSchema: optionalSchema(options.outputSchema, 'Output Schema'),
				priceTable: options.priceTable
					? (parseJsonParameter(options.priceTable, 'Price Table') as PriceTable)
					: undefined,
				limits: {
					maxTurns: options.maxTurns,
					maxDelegations: options.maxDelegations,
					maxConcurrency: options.maxConcurrency,
					tokenBudget: options.tokenBudget,
					memberTimeoutMs:
						options.memberTimeoutSeconds === undefined
							? undefined
							: options.memberTimeoutSeconds * 1000,
					retry: { maxRetries: options.maxRetries },
				},
			});
			const result = await runner.run(task, { signal });
			out.push({
				json: {
					answer: result.answer,
					status: result.status,
					errors: result.errors,
					...((options.includeTranscript ?? !calledAsTool)
						? { transcript: result.transcript }
						: {}),
					usage: result.usage,
					cost: result.cost,
					delegations: result.delegations,
					durationMs: result.durationMs,
				} as unknown as IDataObject,
				pairedItem: { item: i },
			});
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error, i);
			if (this.continueOnFail()) {
				out.push({ json: { error: nodeError.message }, pairedItem: { item: i } });
				continue;
			}
			throw nodeError;
		}
	}
	return [out];
}

/**
 * The leader's model and the optional member model. n8n hands every model
 * connected to this node's AiLanguageModel inputs over as one list, last
 * input first (the same convention its AI Agent's fallback model relies on).
 */
async function connectedModels(
	ctx: IExecuteFunctions,
): Promise<[ChatModelLike, ChatModelLike | undefined]> {
	const connected = await ctx.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, 0);
	const list = (Array.isArray(connected) ? [...connected].reverse() : [connected]).filter(Boolean);
	const leader = list[0] as ChatModelLike | undefined;
	if (!leader || typeof leader.invoke !== 'function') {
		throw new NodeOperationError(ctx.getNode(), 'No chat model is connected to the Model input', {
			description:
				'Connect a chat model (e.g. OpenAI Chat Model) to the Model input of the Agent Team node',
		});
	}
	return [leader, list[1] as ChatModelLike | undefined];
}

/** Connected tools; toolkits (e.g. an MCP client) contribute all their tools. */
async function connectedTools(ctx: IExecuteFunctions): Promise<ToolLike[]> {
	const connected = ((await ctx.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) ??
		[]) as unknown[];
	const list = Array.isArray(connected) ? connected : [connected];
	return list.flatMap((t) => {
		const kit = t as { getTools?: () => ToolLike[] };
		return typeof kit.getTools === 'function' ? kit.getTools() : [t as ToolLike];
	});
}
