import type { z } from 'zod';
import { PortcullisError } from '../errors/index.js';
import { deepFreeze } from './deep-freeze.js';

/**
 * Validates a plugin's raw `plugins.<name>` namespace (possibly absent) against the plugin's own
 * schema, and freezes the result. Every strategy plugin reads its config through this.
 * @throws PortcullisError `plugin.strategy.invalid_description` naming each invalid key, e.g. `plugins.local.argon2.timeCost`
 */
export function parsePluginConfig<T extends z.ZodType>(schema: T, raw: unknown, strategyName: string): Readonly<z.output<T>> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [''];
      return keys
        .map((key) => [`plugins.${strategyName}`, ...issue.path.map(String), key].filter(Boolean).join('.'))
        .map((path) => `${path}: ${issue.message}`)
        .join('; ');
    });
    throw new PortcullisError('plugin.strategy.invalid_description', [strategyName, `invalid configuration: ${issues.join('; ')}`]);
  }
  return deepFreeze(parsed.data);
}
