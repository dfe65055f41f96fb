export * from './embedder';
export * from './store';
export * from './validate';
export type { Metric, CollectionSettings } from './schema';
