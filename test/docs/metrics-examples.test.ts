import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Portcullis } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { fencedBlock, readDoc } from '../support/doc-blocks.js';
import { firstAdmin } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';

describe('docs: the Metrics section of docs/operators.md', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
    await firstAdmin(new HttpClient(node.url));
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('runs the scrape by hand: Prometheus text with every documented metric', async () => {
    const script = fencedBlock(readDoc('docs/operators.md'), 'prometheus-scrape').replaceAll('http://127.0.0.1:7512', node.url);
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`]);
    const exposition = parseExposition(stdout);
    const documented = [...readDoc('docs/operators.md').matchAll(/^\| `(portcullis_[a-z_]+)` \| (counter|gauge) \|/gm)].map(([, name, type]) => [name, type]);
    expect(Object.entries(exposition.types)).to.have.deep.members(documented);
    // The scrape is a Basic login of the admin, counted as such.
    expect(sampleValue(exposition, 'portcullis_logins_total', { strategy: 'local', outcome: 'success' })).to.be.at.least(2);
  });

  it('scrapes the route the reference gives, in its Prometheus configuration', () => {
    const operators = readDoc('docs/operators.md');
    expect(operators).to.include('metrics_path: /_metrics/prometheus');
    const route = node.funnel.definitions().find((definition) => definition.action === 'prometheus')?.http[0];
    expect(route).to.deep.equal({ verb: 'GET', path: '/_metrics/prometheus' });
  });
});
