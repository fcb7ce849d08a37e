// The project's contract: what workflows, activities, deployctl and notifications say to one another.
// Workflow code imports it too, so nothing here does I/O.
export * from './calendar';
export * from './deployment';
export * from './failure-types';
export * from './governance';
export * from './identity';
export * from './metrics';
export * from './names';
export * from './notice';
export * from './queue';
export * from './search-attributes';
export * from './settings';
export * from './signals';
export * from './stack';
