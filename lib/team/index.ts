export { TeamRunner } from './runner';
export { resolveTeam } from './validate';
export { parsePlan, findCycle, type PlanTask } from './plan-graph';
export { enforceSchema, extractJson, checkAgainstSchema } from './output';
export { backoffDelay, isRetryable, errorStatus } from './retry';
export { DEFAULT_LIMITS } from './context';
export * from './types';
