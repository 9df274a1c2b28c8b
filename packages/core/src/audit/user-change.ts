import type { AuditDetails } from './audit-event.js';

/**
 * What a user event tells of a change: the action, the content fields it set (names only), the
 * profiles it gave and the strategies it gave credentials for. Never a value of the content.
 */
export function userChangeDetails(action: string, content: Record<string, unknown>, credentials?: Record<string, unknown>): AuditDetails {
  const profileIds = content['profileIds'];
  return {
    action,
    fields: Object.keys(content),
    ...(Array.isArray(profileIds) ? { profileIds: profileIds.filter((item): item is string => typeof item === 'string') } : {}),
    ...(credentials ? { strategies: Object.keys(credentials) } : {}),
  };
}
