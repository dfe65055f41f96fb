export * from './envelope';
export * from './errors';
export * from './broker';
export * from './backoff';
export * from './dedup';
export * from './topology';
export { BusConnection, coalesceWrites, type BusLogger } from './connection';
export {
	AgentBus,
	DIRECT_REPLY_TO,
	HEADERS,
	type BusOptions,
	type ConsumeOptions,
	type ConsumeSource,
	type DeadLetterInfo,
	type Delivery,
	type DeliveryHandler,
	type ReplyInput,
	type RequestInput,
	type RequestRef,
	type SendInput,
	type Subscription,
} from './bus';
export * from './registry';
export { busMetrics } from './metrics';
