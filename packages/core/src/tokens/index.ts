export { TokenManager, type IssuedToken, type VerifiedToken, type TokenSettings, type TokenOptions } from './token-manager.js';
export { parseExpiresIn } from './expires-in.js';
export { ApiKeyService, API_KEY_FIELDS, apiKeyFingerprint, apiKeyView, type ApiKeySettings, type ApiKeyView, type ApiKeyDocument } from './api-keys.js';
