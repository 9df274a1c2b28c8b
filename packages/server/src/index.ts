export { createPortcullis, type Portcullis, type PortcullisOptions } from './app.js';
export { Funnel } from './api/funnel.js';
export { defineAction, type ActionDefinition, type ActionCall, type ServerContext, type HttpRoute } from './api/action.js';
export { requestFromEnvelope, type ApiRequest, type Connection } from './api/request.js';
export type { ResponseEnvelope } from './api/response.js';
export { allActions } from './controllers/index.js';
export { publicApi } from './controllers/server.js';
export { Router } from './http/router.js';
export { TokenLinks, type ServerNotification } from './notifications/token-links.js';
