export { TokenManager, tokenKindOf, type IssuedToken, type VerifiedToken, type TokenSettings, type TokenOptions } from './token-manager.js';
export { parseExpiresIn } from './expires-in.js';
export { listLoginSessions, endLoginSession, type SessionView } from './user-sessions.js';
export { ApiKeyService, API_KEY_FIELDS, apiKeyFingerprint, apiKeyView, type ApiKeySettings, type ApiKeyView, type ApiKeyDocument } from './api-keys.js';
