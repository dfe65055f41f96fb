export * from './embedder';
export * from './store';
export * from './validate';
export type { Metric, CollectionSettings } from './schema';
export * from './filter';
export * from './ranking';
export * from './langchain';
export * from './chat-memory';
