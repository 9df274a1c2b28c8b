import { ERRORS } from './catalogue.js';

/** Renders docs/errors.md from the catalogue; a test keeps the file equal to this output. */
export function renderErrorsMarkdown(): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from packages/core/src/errors/catalogue.ts by `npm run docs:errors`. Do not edit. -->',
    '',
    'Every error reaches the client as `{id, code, message, props, status}` in the `error` field of the',
    'response envelope; the HTTP status equals `status`. Ids and codes follow Kuzzle\'s catalogue where',
    'Kuzzle has the error; `code` is `(domain << 24) | (subdomain << 16) | error`. Switch on `id`.',
    '',
    '| id | status | code | message | when |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [id, definition] of Object.entries(ERRORS).sort(([a], [b]) => a.localeCompare(b))) {
    const hex = `0x${definition.code.toString(16).padStart(8, '0')}`;
    lines.push(`| \`${id}\` | ${definition.status} | ${definition.code} (${hex}) | ${escape(definition.message)} | ${escape(definition.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

const escape = (text: string): string => text.replace(/\|/g, '\\|');
