// Writes docs/errors.md from the error catalogue (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderErrorsMarkdown } from '@portcullis/core';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
