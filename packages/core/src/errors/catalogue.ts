/**
 * The one error catalogue of Portcullis. Ids, numeric codes and statuses follow Kuzzle's
 * catalogue (lib/kerror/codes) wherever Kuzzle has the error, so that Kuzzle clients that
 * switch on `error.id` keep working. `code` is `(domain << 24) | (subdomain << 16) | error`.
 *
 * Retired ids are never reused: mark them `deprecated` instead of deleting them.
 * docs/errors.md is generated from this table (`npm run docs:errors`) and a test keeps both equal.
 */
export interface ErrorDefinition {
  readonly status: number;
  readonly code: number;
  /** A message template; each `%s` takes the next value of the error's props. */
  readonly message: string;
  readonly description: string;
}

const code = (domain: number, subdomain: number, error: number): number =>
  ((domain << 24) | (subdomain << 16) | error) >>> 0;

export const ERRORS = {
  // core (0)
  'core.fatal.unexpected_error': { status: 500, code: code(0, 1, 1), message: 'Internal error.', description: 'An unexpected failure on the server side; its cause is logged, never sent.' },
  'core.fatal.service_unavailable': { status: 503, code: code(0, 1, 2), message: 'Service unavailable: %s.', description: 'The node is starting or shutting down and cannot serve the request; or, from server:healthCheck, a store it checks does not answer (props[0] names it).' },

  // services (1)
  'services.storage.not_connected': { status: 503, code: code(1, 1, 24), message: 'The database is unavailable.', description: 'The SQL database did not answer in time; retry later.' },
  'services.storage.not_found': { status: 404, code: code(1, 1, 11), message: 'Document "%s" not found in "%s".', description: 'The requested record does not exist.' },
  // services.storage: search (Kuzzle's ids where Kuzzle has them)
  'services.storage.get_limit_exceeded': { status: 413, code: code(1, 1, 3), message: 'The number of documents returned by this request exceeds the configured server limit.', description: 'A search asked for more than limits.documentsFetchCount (10,000) documents at once (size, or from + size: page with scroll instead), or mGetUsers for more ids.' },
  'services.storage.unknown_scroll_id': { status: 404, code: code(1, 1, 14), message: 'Non-existing or expired scroll identifier.', description: 'The scroll id is malformed, was not issued by this cluster, or has expired.' },
  'services.storage.invalid_mapping': { status: 400, code: code(1, 1, 21), message: 'Invalid mapping property "mappings.%s".%s', description: 'A mapping names a field type search does not know, or holds a property other than type and properties.' },
  'services.storage.cannot_change_mapping': { status: 400, code: code(1, 1, 26), message: 'Field "%s" already has a mapping, and it cannot be changed', description: 'A mapping update would change the type of a mapped field (fields can only be added, as in Elasticsearch), or change a fixed mapping.' },
  'services.storage.scroll_duration_too_great': { status: 400, code: code(1, 1, 44), message: 'Scroll duration "%s" is too great.', description: 'The scroll argument is not a duration, or is longer than the maximum scroll duration (1 minute).' },
  'services.storage.unsupported_query': { status: 400, code: code(1, 1, 160), message: 'The search clause "%s" is not supported (supported: %s).', description: 'A search body uses a part of the Elasticsearch query language outside the subset Portcullis translates to SQL; the message names it.' },
  'services.storage.unknown_field': { status: 400, code: code(1, 1, 161), message: 'The field "%s" cannot be searched: %s.', description: 'A search names a field that is not in the mapping (add it with security:updateUserMapping first), or uses it in a way its type does not allow (sorting a text field).' },
  'services.cache.not_connected': { status: 503, code: code(1, 3, 3), message: 'The session store is unavailable.', description: 'The session store (Redis, or the SQL database in embedded mode) did not answer in time; retry later.' },

  // api (2)
  'api.assert.invalid_type': { status: 400, code: code(2, 1, 1), message: 'Wrong type for argument "%s" (expected: %s)', description: 'An argument has the wrong type.' },
  'api.assert.invalid_argument': { status: 400, code: code(2, 1, 2), message: 'Invalid argument "%s". Expected: %s', description: 'An argument holds an invalid value.' },
  'api.assert.missing_argument': { status: 400, code: code(2, 1, 3), message: 'Missing argument "%s".', description: 'A required argument is missing.' },
  'api.assert.empty_argument': { status: 400, code: code(2, 1, 4), message: 'The argument "%s" is empty.', description: 'An argument that cannot be empty is empty.' },
  'api.assert.unexpected_argument': { status: 400, code: code(2, 1, 7), message: 'Unexpected argument "%s" (accepted arguments: %s)', description: 'An argument the action does not take was given.' },
  'api.assert.body_required': { status: 400, code: code(2, 1, 8), message: 'The request must specify a body.', description: 'The action needs a body and none was given.' },
  'api.assert.invalid_id': { status: 400, code: code(2, 1, 10), message: 'Invalid "_id" value: cannot start with an underscore', description: '_id values cannot start with an underscore.' },
  'api.assert.forbidden_argument': { status: 400, code: code(2, 1, 11), message: 'The argument "%s" is not allowed by this API action.', description: 'A forbidden argument was given.' },
  'api.process.controller_not_found': { status: 404, code: code(2, 2, 4), message: 'API controller "%s" not found.', description: 'The request names an unknown controller.' },
  'api.process.action_not_found': { status: 404, code: code(2, 2, 5), message: 'API action "%s":"%s" not found', description: 'The request names an unknown action of a known controller.' },
  'api.process.shutting_down': { status: 503, code: code(2, 2, 7), message: 'Rejected: this node is shutting down.', description: 'The node is shutting down and refuses new requests.' },
  'api.process.too_many_requests': { status: 429, code: code(2, 2, 8), message: 'Rejected: requests rate limit exceeded for this user.', description: 'The user sent more requests in this second than the most permissive rateLimit of its profiles allows (this node counts); retry after a second.' },
  'api.process.admin_exists': { status: 412, code: code(2, 2, 9), message: 'Admin user is already set.', description: 'security:createFirstAdmin was called while an administrator exists.' },
  'api.process.unauthorized_origin': { status: 401, code: code(2, 2, 12), message: 'The origin "%s" is not authorized.', description: 'The Origin header is not in server.allowOrigin.' },
  'api.process.too_many_logins_requests': { status: 429, code: code(2, 2, 13), message: 'Too many login requests.', description: 'More logins than limits.loginsPerSecond in this second on one connection, or too many logins (from this client address, or in all) waiting for a password check; retry after a second.' },

  // network (3)
  'network.http.request_too_large': { status: 413, code: code(3, 1, 1), message: 'Maximum HTTP request size exceeded.', description: 'The HTTP body is larger than server.maxRequestSize.' },
  'network.http.unexpected_error': { status: 400, code: code(3, 1, 2), message: 'Caught an unexpected HTTP error: %s', description: 'The HTTP request could not be parsed.' },
  'network.http.unsupported_verb': { status: 400, code: code(3, 1, 6), message: 'Unsupported HTTP verb "%s".', description: 'The HTTP method is not one the API serves.' },
  'network.http.url_not_found': { status: 404, code: code(3, 1, 7), message: 'API URL not found: %s.', description: 'No route matches the method and path.' },
  'network.http.unsupported_content': { status: 400, code: code(3, 1, 8), message: 'Invalid request content-type. Expected "application/json", got: "%s".', description: 'The body is not JSON.' },
  'network.http.volatile_parse_failed': { status: 400, code: code(3, 1, 11), message: 'Unable to convert the "x-kuzzle-volatile" HTTP header to JSON: %s', description: 'The X-Kuzzle-Volatile header is not a JSON object.' },
  'network.http.body_parse_failed': { status: 400, code: code(3, 1, 12), message: 'Unable to convert the HTTP body to JSON: %s', description: 'The HTTP body is not valid JSON.' },
  'network.http.headers_too_large': { status: 431, code: code(3, 1, 16), message: 'Request header fields too large.', description: 'The HTTP header block is larger than server.maxHeaderSize.' },
  'network.websocket.unexpected_error': { status: 400, code: code(3, 3, 1), message: 'Caught an unexpected WebSocket error: %s', description: 'A WebSocket message could not be parsed as a JSON request.' },
  'network.websocket.request_too_large': { status: 413, code: code(3, 3, 3), message: 'Maximum WebSocket message size exceeded.', description: 'A WebSocket message is larger than server.maxRequestSize; the socket is closed with 1009.' },
  'network.websocket.too_many_connections': { status: 429, code: code(3, 3, 129), message: 'Too many WebSockets open from this address (at most %s).', description: 'The WebSocket upgrade was refused: this client address already holds server.websocket.maxSocketsPerAddress open sockets.' },

  // plugin (4)
  'plugin.runtime.unexpected_error': { status: 500, code: code(4, 2, 2), message: 'Unexpected error from the strategy "%s".', description: 'A strategy plugin failed with an error that is not catalogued; the cause is logged.' },
  'plugin.strategy.invalid_description': { status: 500, code: code(4, 3, 1), message: 'Strategy plugin "%s": %s', description: 'A strategy plugin does not meet the StrategyPlugin contract.' },
  'plugin.strategy.invalid_method': { status: 500, code: code(4, 3, 2), message: 'Strategy plugin "%s": the method "%s" is missing or not a function.', description: 'A required strategy method is missing.' },
  'plugin.strategy.strategy_already_registered': { status: 500, code: code(4, 3, 3), message: 'Strategy "%s" is already registered.', description: 'Two plugins claim the same strategy name.' },
  'plugin.strategy.invalid_authenticator': { status: 500, code: code(4, 3, 4), message: 'Strategy plugin "%s": createPassportStrategy did not return a Passport strategy.', description: 'The Passport strategy of a plugin has no authenticate method.' },
  'plugin.strategy.invalid_verify_return': { status: 500, code: code(4, 3, 14), message: 'Strategy "%s": verify must return a promise.', description: 'A verify method returned something other than a promise.' },
  'plugin.strategy.invalid_verify_resolve': { status: 500, code: code(4, 3, 15), message: 'Strategy "%s": verify resolved to an invalid value.', description: 'verify must resolve to {kuid} or {kuid: null, message}.' },
  'plugin.strategy.invalid_kuid': { status: 500, code: code(4, 3, 16), message: 'Strategy "%s": verify resolved to a non-string kuid.', description: 'verify resolved to a kuid that is not a string.' },
  'plugin.strategy.unknown_kuid': { status: 500, code: code(4, 3, 17), message: 'Strategy "%s": verify resolved to an unknown user.', description: 'verify resolved to a kuid that has no user.' },
  'plugin.strategy.unauthorized_removal': { status: 500, code: code(4, 3, 18), message: 'Strategy "%s" is not registered.', description: 'A strategy that is not registered cannot be removed.' },
  'plugin.strategy.strategy_not_found': { status: 404, code: code(4, 3, 19), message: 'Strategy "%s" not found.', description: 'The strategy is not registered.' },
  'plugin.strategy.missing_user': { status: 401, code: code(4, 3, 20), message: '%s', description: 'A login was refused: wrong credentials, unknown user or missing credentials. The message is the strategy\'s reason.' },
  'plugin.strategy.missing_optional_method': { status: 500, code: code(4, 3, 21), message: 'Strategy "%s" does not implement the optional method "%s".', description: 'The action needs a method the strategy does not have.' },
  'plugin.strategy.unavailable': { status: 503, code: code(4, 3, 22), message: 'The strategy "%s" cannot reach its authentication service; retry later.', description: 'A strategy plugin\'s outside service (a directory, an identity provider) is down, refused the connection or did not answer in time. The cause is logged; the rest of the node is unaffected.' },

  // security (7)
  'security.token.invalid': { status: 401, code: code(7, 1, 1), message: 'Invalid token.', description: 'The token is malformed, badly signed, revoked or unknown.' },
  'security.token.unknown_user': { status: 500, code: code(7, 1, 2), message: 'Unknown user: cannot generate token.', description: 'A token was requested for a user that does not exist.' },
  'security.token.ttl_exceeded': { status: 400, code: code(7, 1, 4), message: 'expiresIn value exceeds maximum allowed value.', description: 'expiresIn is larger than security.jwt.maxTTL (or infinite while maxTTL is set).' },
  'security.token.expired': { status: 401, code: code(7, 1, 6), message: 'Token expired', description: 'The token\'s exp has passed.' },
  'security.token.verification_error': { status: 500, code: code(7, 1, 7), message: 'Error verifying token: %s', description: 'The token could not be checked.' },
  'security.token.refresh_forbidden': { status: 401, code: code(7, 1, 8), message: '%s cannot be refreshed.', description: 'API keys and tokens that never expire cannot be refreshed.' },
  'security.token.invalid_expiration': { status: 400, code: code(7, 1, 9), message: 'Invalid token expiration: %s.', description: 'The requested expiry is not allowed for this kind of token.' },
  'security.credentials.unknown_strategy': { status: 400, code: code(7, 2, 1), message: 'Unknown authentication strategy "%s"', description: 'The strategy is not registered.' },
  'security.credentials.database_inconsistency': { status: 500, code: code(7, 2, 2), message: 'Internal database inconsistency detected: existing credentials found on non-existing user %s.', description: 'A strategy holds credentials for a kuid that has no user.' },
  'security.credentials.rejected': { status: 400, code: code(7, 2, 3), message: 'Credentials rejected: %s', description: 'The strategy refused the credentials.' },
  'security.credentials.already_exist': { status: 412, code: code(7, 2, 4), message: 'The user "%s" already has credentials for the strategy "%s".', description: 'createCredentials was called for a strategy where the user already has credentials.' },
  'security.credentials.not_found': { status: 404, code: code(7, 2, 5), message: 'The user "%s" has no credentials for the strategy "%s".', description: 'The user has no credentials for this strategy.' },
  'security.credentials.login_taken': { status: 412, code: code(7, 2, 6), message: 'Login "%s" is already used.', description: 'Another user already holds these credentials (e.g. the same username, or one that differs only by case, width or invisible characters).' },
  'security.credentials.wrong_password': { status: 403, code: code(7, 2, 7), message: 'The current password is wrong.', description: 'A user changing their own password gave a wrong current password; it counts as a failed login.' },
  'security.credentials.self_service_forbidden': { status: 403, code: code(7, 2, 40), message: 'The strategy "%s" does not let users set %s about themselves: an administrator must.', description: 'auth:createMyCredentials, auth:updateMyCredentials or auth:validateMyCredentials sent a field the strategy does not declare self-editable (StrategyPlugin.selfEditableFields), such as the directory entry an ldap login names.' },
  'security.rights.unauthorized': { status: 401, code: code(7, 3, 1), message: 'Unauthorized: authentication required to execute the action "%s:%s".', description: 'An anonymous request was refused: log in first.' },
  'security.rights.forbidden': { status: 403, code: code(7, 3, 2), message: 'Insufficient permissions to execute the action "%s:%s" (User "%s").', description: 'The user\'s profiles do not allow the action.' },
  'security.user.already_exists': { status: 412, code: code(7, 4, 1), message: 'Cannot create user "%s": user already exists.', description: 'A user with this kuid already exists.' },
  'security.user.not_found': { status: 404, code: code(7, 4, 2), message: 'User "%s" not found.', description: 'The user does not exist.' },
  'security.user.anonymous_profile_required': { status: 400, code: code(7, 4, 3), message: 'The anonymous user must keep the "anonymous" profile.', description: 'The anonymous user cannot lose its profile.' },
  'security.user.uninitialized': { status: 400, code: code(7, 4, 5), message: 'The user "%s" has no profile.', description: 'A user must have at least one profile.' },
  'security.profile.not_found': { status: 404, code: code(7, 6, 1), message: 'Profile "%s" not found.', description: 'The profile does not exist.' },
  'security.role.not_found': { status: 404, code: code(7, 5, 1), message: 'Role "%s" not found.', description: 'The role does not exist.' },
  'security.login.too_many_failures': { status: 429, code: code(7, 20, 1), message: 'Too many failed logins; retry in %s seconds.', description: 'Too many failed logins for this account from this client address, or from this client address in all: further attempts are refused until the delay in props[0] (seconds, also in Retry-After) has passed. A successful login resets the account\'s count for the address.' },
  // Roles and profiles management (issue 10): Kuzzle's ids and codes, plus the administrator invariant.
  'security.role.login_required': { status: 400, code: code(7, 5, 2), message: 'Cannot remove the "login" action from the anonymous role.', description: 'The anonymous role must allow auth:login (explicitly, or through "*"): without it nobody could log in.' },
  'security.role.cannot_delete': { status: 400, code: code(7, 5, 3), message: 'The following roles are protected and cannot be deleted: anonymous, default, admin', description: 'The built-in roles cannot be deleted.' },
  'security.role.in_use': { status: 412, code: code(7, 5, 4), message: 'The role "%s" is still used and cannot be deleted.', description: 'A profile still names the role in its policies: change or delete those profiles first.' },
  'security.role.unknown_controller': { status: 400, code: code(7, 5, 9), message: 'Trying to set role %s with a non-existing controller "%s".', description: 'The role names a controller this server does not serve; the `force` argument accepts it (for a plugin controller that will register later).' },
  'security.role.unknown_action': { status: 400, code: code(7, 5, 10), message: 'Trying to set role %s with a non-existing action "%s" in controller "%s".', description: 'The role names an action its controller does not have, or an action other than "*" under the "*" controller. `force` does not lift it for the served controllers.' },
  'security.profile.cannot_delete': { status: 400, code: code(7, 6, 2), message: 'The following profiles are protected and cannot be deleted: anonymous, default, admin', description: 'The built-in profiles cannot be deleted.' },
  'security.profile.in_use': { status: 412, code: code(7, 6, 3), message: 'The profile "%s" is still used and cannot be deleted.', description: 'Users still hold the profile: change them first, or delete with onAssignedUsers=remove.' },
  'security.profile.missing_anonymous_role': { status: 400, code: code(7, 6, 5), message: 'The anonymous profile must include the anonymous role', description: 'The anonymous profile must keep a policy on the anonymous role.' },
  'security.rights.last_administrator': { status: 412, code: code(7, 3, 40), message: 'Refused: after this change no user could manage rights (%s).', description: 'The change would leave no user whose profiles allow security:createOrReplaceRole, security:createOrReplaceProfile and security:updateUser, the rights needed to restore any other right. Nothing was changed; give another user those rights first.' },
  'services.storage.document_already_exists': { status: 400, code: code(1, 1, 17), message: 'Document already exists.', description: 'createRole or createProfile named an id that exists (use createOrReplaceRole / createOrReplaceProfile to replace it), or createApiKey an id the user already gives one of their keys.' },
  'services.storage.unknown_index': { status: 412, code: code(1, 1, 1), message: 'The index "%s" does not exist.', description: 'A profile created with `strict` restricts a policy to an index; Portcullis holds no data index, so every index is unknown.' },
  'security.cookie.invalid': { status: 401, code: code(7, 7, 1), message: 'Invalid cookie.', description: 'The Cookie header cannot be parsed.' },
  // issue 11: browsers (cookieAuth)
  'security.cookie.unauthorized_origin': { status: 403, code: code(7, 7, 40), message: 'The origin "%s" may not use the authToken cookie.', description: 'A request authenticated by the authToken cookie (HTTP, or a WebSocket upgrade), or one asking for `cookieAuth`, came from a page whose Origin is neither listed exactly in server.allowOrigin ("*" does not count) nor the server\'s own: a page elsewhere cannot act with the cookie its browser holds.' },

  // issue 11: API keys
  'security.apikey.limit_exceeded': { status: 412, code: code(7, 41, 1), message: 'The user already holds %s API keys: delete one first.', description: 'A user may hold security.apiKey.maxPerUser API keys at once (expired keys do not count); createApiKey refused one more and created nothing.' },

  // issue 10: user batches (security:mGetUsers, security:mDeleteUsers)
  'services.storage.write_limit_exceeded': { status: 413, code: code(1, 1, 4), message: 'The number of documents edited by this request exceeds the configured server limit.', description: 'More ids than limits.documentsWriteCount (mDeleteUsers, mDeleteRoles, mDeleteProfiles) were given at once; nothing was changed.' },
  'services.storage.incomplete_delete': { status: 206, code: code(1, 1, 9), message: 'Couldn\'t delete all the requested documents: %s', description: 'Some of the records a multiple deletion names could not be deleted (props[0] lists each with its error id); the others were deleted, and the envelope\'s result lists them.' },

  // issue 11: sessions users can see (auth:deleteMySession, security:deleteUserSession)
  'security.session.not_found': { status: 404, code: code(7, 42, 1), message: 'Session "%s" not found.', description: 'No live login session of this user has this id: it ended, never existed, or belongs to another user (which is never told apart).' },
} as const satisfies Record<string, ErrorDefinition>;

/** Every catalogued error id: a misspelt id does not compile. */
export type ErrorId = keyof typeof ERRORS;
