/**
 * The SQLite file holds the token secret and the sessions: only its owner may read it. SQLite
 * creates a database with mode 0644 (less the umask), so the file is made here first, and its
 * `-wal` and `-shm` files, which SQLite creates with the mode of the database file, follow.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../logging/logger.js';

export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Creates the database's directory (mode 0700, with any missing parent) and the empty database
 * file (0600) when they do not exist, and takes the group's and others' rights away from a
 * database file, `-wal` or `-shm` file that has them. A directory that exists already (the
 * current directory, say) is left as it is: the file's own mode protects what it holds.
 * Modes are set with chmod, not left to the process umask, which may be wider or narrower.
 */
export function prepareSqliteFile(path: string, logger: Logger): void {
  const directory = dirname(path);
  const created = mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
  if (created !== undefined) {
    // `created` is the first directory made; every one below it down to `directory` is ours too.
    for (let current = directory; ; current = dirname(current)) {
      chmodSync(current, DIRECTORY_MODE);
      if (current === created || dirname(current) === current) break;
    }
  }
  if (createEmpty(path)) {
    chmodSync(path, FILE_MODE);
    return;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, logger);
}

/** @returns whether the file was created (an empty file is a new database to SQLite) */
function createEmpty(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', FILE_MODE));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function tighten(file: string, logger: Logger): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(file, FILE_MODE);
    logger.warn({ file, mode: mode.toString(8) }, 'the database file was readable by other users: its mode is now 600');
  } catch (error) {
    // Not ours to change (another owner): say so, and carry on as before.
    logger.warn({ file, mode: mode.toString(8), err: error }, 'the database file is readable by other users and its mode could not be changed');
  }
}
