export { TokenManager, tokenKindOf, type IssuedToken, type VerifiedToken, type TokenSettings } from './token-manager.js';
export { parseExpiresIn } from './expires-in.js';
export { listLoginSessions, endLoginSession, type SessionView } from './user-sessions.js';
