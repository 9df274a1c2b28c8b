import { expect } from 'chai';
import { validateConfig } from '@portcullis/core';
import { fencedBlock, readDoc } from '../support/doc-blocks.js';

// The guide's pages run in headless Chromium in test/e2e/browser.test.ts; its configuration is checked here.
describe('docs: the browser guide', () => {
  it('configures a node the schema accepts, with a listed origin and the cookie\'s defaults spelt out', () => {
    const config = validateConfig(JSON.parse(fencedBlock(readDoc('docs/browsers.md'), 'browser-config')) as Record<string, unknown>);
    expect(config.server.allowOrigin).to.deep.equal(['https://app.example.com']);
    expect(config.server.cookies).to.deep.equal({ enabled: true, sameSite: 'strict', secure: true });
  });
});
