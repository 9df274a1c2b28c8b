#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, createLogger, isPortcullisError, loadConfig } from '@portcullis/core';
import { createPortcullis } from '../app.js';

const program = new Command('portcullis').description('Portcullis: a pluggable authentication server speaking Kuzzle\'s auth API');

program
  .command('start')
  .description('Start a node (SQLite under ./data with no configuration)')
  .option('-c, --config <file>', 'JSON config file (default: ./portcullis.config.json when present)')
  .action(async (options: { config?: string }) => {
    let config;
    try {
      config = loadConfig({ file: options.config });
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(78);
      }
      throw error;
    }
    const logger = createLogger({ level: config.logger.level });
    let server;
    try {
      server = await createPortcullis({ config, logger });
      await server.start();
    } catch (error) {
      // A plugin refusing its config namespace is a configuration error too (EX_CONFIG).
      const configError = isPortcullisError(error) && error.id === 'plugin.strategy.invalid_description';
      logger.fatal({ err: error }, 'Portcullis could not start');
      process.stderr.write(`portcullis: ${(error as Error).message}\n`);
      process.exit(configError ? 78 : 1);
    }
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ ns: 'portcullis:server', signal }, 'shutting down');
      server.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`portcullis: ${(error as Error).message}\n`);
  process.exit(1);
});
