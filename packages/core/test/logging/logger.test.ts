import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';

/** A logger whose lines are kept in memory. */
function capturing(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('core/logging/logger', () => {
  it('never writes a password, a current password or a hash, however deep in what is logged', async () => {
    const { lines, logger } = capturing();
    logger.info({ body: { password: 'secret-1', currentPassword: 'secret-2' } }, 'a request');
    logger.info({ request: { body: { currentPassword: 'secret-3' } }, credentials: { local: { currentPassword: 'secret-4', hash: 'secret-5' } } }, 'another');
    logger.info({ currentPassword: 'secret-6' }, 'a third');
    await new Promise((resolve) => setImmediate(resolve));
    const output = lines.join('');
    expect(lines).to.have.length(3);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(output).to.not.include(`secret-${n}`);
  });
});
