export { configSchema, ENVIRONMENT, type Config, type ConfigInput } from './schema.js';
export { parsePluginConfig } from './plugin-config.js';
export { loadConfig, validateConfig, describeIssues, ConfigError, isPlainObject, type LoadConfigOptions } from './load-config.js';
export { secret, secretUrl, redactConfig } from './secrets.js';
