export * from './errors/index.js';
export * from './config/index.js';
export * from './logging/logger.js';
export * from './security/types.js';
export type * from './storage/ports.js';
export * from './strategies/strategy-plugin.js';
