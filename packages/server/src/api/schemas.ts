import { z } from 'zod';

/**
 * Schema pieces shared by the actions. Unknown argument keys are tolerated (Kuzzle's SDK sends
 * some, such as `refresh`); unknown body keys are checked by each action.
 */
export const id = z.string().min(1).max(128);
export const strategyName = z.string().min(1).max(64);
/**
 * A boolean argument. Over HTTP, query-string booleans are presence flags (the transport sets them
 * true); over WebSocket the Kuzzle SDK sends `null` for an option it was not given (`force`, say).
 */
export const flag = z.boolean().nullish();
/** A non-negative integer argument (from, size); over HTTP it comes from the query string as text. */
export const count = z.union([z.number().int().min(0), z.string().regex(/^\d{1,9}$/).transform(Number)]).optional();
export const expiresIn = z.union([z.number(), z.string().max(100)]).optional();
export const kuidMode = z.enum(['human', 'uuid']).optional();
export const plainObject = z.record(z.string(), z.unknown());
export const noArgs = z.object({}).loose();
export const noBody = z.unknown();
export const credentialsBody = plainObject;
export const userContent = plainObject;

export const strategyArgs = z.object({ strategy: strategyName }).loose();
export const strategyAndId = z.object({ strategy: strategyName, _id: id }).loose();
export const idArgs = z.object({ _id: id }).loose();
