export * from './audit-event.js';
export { AuditLog } from './audit-log.js';
export { AuditHookRunner, type HookLimits } from './audit-hooks.js';
export { userChangeDetails } from './user-change.js';
