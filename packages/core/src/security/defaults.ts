import type { Profile, Role } from './types.js';

/**
 * The rights a fresh node starts with: Kuzzle's `security.standard` (reference §4.4), not its
 * wide-open fresh install. `default` adds what a logged-in user needs to keep a session and
 * manage their own password (refresh, own credentials, rights checks) and see and end their own
 * sessions (Portcullis extensions), which Kuzzle's
 * standard set leaves out.
 */
export const DEFAULT_ROLES: readonly Role[] = [
  { _id: 'admin', controllers: { '*': { actions: { '*': true } } } },
  {
    _id: 'default',
    controllers: {
      auth: {
        actions: {
          checkToken: true, getCurrentUser: true, getMyRights: true, logout: true, updateSelf: true,
          refreshToken: true, getStrategies: true, checkRights: true, credentialsExist: true,
          getMyCredentials: true, updateMyCredentials: true, validateMyCredentials: true,
          listMySessions: true, deleteMySession: true, deleteMyOtherSessions: true,
        },
      },
      server: { actions: { publicApi: true } },
    },
  },
  {
    _id: 'anonymous',
    controllers: {
      auth: { actions: { checkToken: true, getCurrentUser: true, getMyRights: true, login: true } },
      server: { actions: { publicApi: true, openapi: true } },
    },
  },
];

export const DEFAULT_PROFILES: readonly Profile[] = [
  { _id: 'admin', policies: [{ roleId: 'admin' }], rateLimit: 0 },
  { _id: 'default', policies: [{ roleId: 'default' }], rateLimit: 10 },
  { _id: 'anonymous', policies: [{ roleId: 'anonymous' }], rateLimit: 200 },
];

export const ADMIN_PROFILE_ID = 'admin';
