import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { configSchema, ENVIRONMENT, type Config } from './schema.js';
import { deepFreeze } from './deep-freeze.js';

/** Thrown when the configuration is invalid; its message names every offending key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; must exist when given. Defaults to ./portcullis.config.json when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values applied over the file and the environment (tests, embedding). */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

/**
 * Reads the config file, then the PORTCULLIS_* environment variables, then `overrides`,
 * validates the result against {@link configSchema} and freezes it.
 * @throws ConfigError naming the key of every invalid value
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const cwd = options.cwd ?? process.cwd();
  const raw = readConfigFile(options.file, cwd);
  applyEnvironment(raw, options.env ?? process.env);
  if (options.overrides) deepMerge(raw, options.overrides);
  return validateConfig(raw);
}

export function validateConfig(raw: unknown): Readonly<Config> {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${describeIssues(parsed.error)}`);
  return deepFreeze(parsed.data);
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
}

function readConfigFile(file: string | undefined, cwd: string): Record<string, unknown> {
  const path = resolve(cwd, file ?? 'portcullis.config.json');
  if (!existsSync(path)) {
    if (file !== undefined) throw new ConfigError(`Config file not found: ${path}`);
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(value)) throw new ConfigError(`Config file ${path} must hold a JSON object`);
  return value;
}

function applyEnvironment(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const { name, path, type } of ENVIRONMENT) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    setPath(target, path, convert(name, text, type));
  }
}

function convert(name: string, text: string, type: 'string' | 'number' | 'boolean' | 'list'): unknown {
  switch (type) {
    case 'number': {
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ConfigError(`Invalid configuration:\n  - ${name}: expected a number, got "${text}"`);
      return value;
    }
    case 'boolean':
      if (!['true', 'false', '1', '0'].includes(text)) throw new ConfigError(`Invalid configuration:\n  - ${name}: expected true or false`);
      return text === 'true' || text === '1';
    case 'list':
      return text.split(',').map((item) => item.trim()).filter(Boolean);
    default:
      return text;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (isPlainObject(value) && isPlainObject(target[key])) deepMerge(target[key] as Record<string, unknown>, value);
    else target[key] = value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
