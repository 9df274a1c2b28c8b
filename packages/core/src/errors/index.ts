export { ERRORS, type ErrorDefinition, type ErrorId } from './catalogue.js';
export { PortcullisError, fail, isPortcullisError, stripControls, type ErrorPayload } from './portcullis-error.js';
export { renderErrorsMarkdown } from './errors-doc.js';
