export { createLocalStrategy, LOCAL_STRATEGY_NAME } from './create-local-strategy.js';
export {
  localStrategyConfigSchema,
  parseLocalStrategyConfig,
  isBelowOwaspMinimum,
  OWASP_ARGON2_MINIMUM,
  type LocalStrategyConfig,
  type LocalStrategyConfigInput,
  type Argon2Parameters,
} from './config.js';
export { LocalStrategyPlugin, WRONG_CREDENTIALS, type LocalStrategyDependencies } from './local-strategy.js';
export { LOCAL_STRATEGY_FIELDS, parseLocalCredentials, type LocalCredentials } from './credentials-input.js';
export { HashGate, type HashGateOptions } from './hash-gate.js';
export { PasswordHasher } from './password-hasher.js';
export { HashWorkers } from './hash-workers.js';
