/**
 * Units of work on the SQL layer: one database transaction that every store of the node writes
 * through while it is open, without a transaction handle passed from call to call.
 *
 * The active unit lives in an AsyncLocalStorage (as Spring binds a transaction to a thread): a
 * driver wrapped around Kysely's hands the unit's connection to every query made from inside
 * the unit's async context, and the ordinary pool or mutex to every other. So the stores, and
 * the credentials facet a strategy plugin writes through, join the unit unchanged, and a query
 * made from inside it can never wait for the connection the unit itself holds (on SQLite,
 * Kysely's only connection, behind a mutex).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type TransactionSettings } from 'kysely';

/** One open unit: its connection is taken, and the transaction begun, at its first query. */
interface Unit {
  open: boolean;
  connection?: Promise<DatabaseConnection>;
  savepoints: number;
}

const raw = (connection: DatabaseConnection, statement: string) => connection.executeQuery(CompiledQuery.raw(statement));

/** The units of one database: at most one per async context. */
export class UnitsOfWork {
  private readonly active = new AsyncLocalStorage<Unit>();
  /** Connections lent to a unit: releasing one is the unit's business, not the query's. */
  private readonly lent = new WeakMap<DatabaseConnection, Unit>();
  private driver: Driver | undefined;
  /** Units running now, in any async context. */
  private running = 0;

  /**
   * @param begin the statement that opens a unit: SQLite's `begin immediate` takes the write lock
   *   at once, so that two processes on one file queue up instead of failing to upgrade a read.
   */
  constructor(private readonly begin: string) {}

  /** The dialect to build Kysely with: `dialect` with its driver routed through the units. */
  wrap(dialect: Dialect): Dialect {
    return {
      createAdapter: () => dialect.createAdapter(),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db) => dialect.createIntrospector(db),
      createDriver: () => {
        this.driver = dialect.createDriver();
        return this.routed(this.driver);
      },
    };
  }

  /** Whether the caller runs inside an open unit. */
  get inside(): boolean {
    return this.active.getStore()?.open === true;
  }

  /**
   * Runs `run` in one transaction: committed when it resolves, rolled back when it rejects (or
   * when the process dies before the commit). Inside a unit, joins it. `run` must not await a
   * query begun outside the unit (a load shared with other requests, say): on SQLite that
   * query waits for the connection the unit holds.
   */
  async run<T>(run: () => Promise<T>): Promise<T> {
    if (this.inside) return run();
    const unit: Unit = { open: true, savepoints: 0 };
    this.running += 1;
    try {
      let result: T;
      try {
        result = await this.active.run(unit, run);
      } catch (error) {
        await this.end(unit, 'rollback').catch(() => undefined);
        throw error;
      }
      await this.end(unit, 'commit');
      return result;
    } finally {
      // On Node 20 an enabled AsyncLocalStorage hooks every promise of the process: switch it
      // off between units, so that the token checks of a node that created a user pay nothing.
      this.running -= 1;
      if (this.running === 0) this.active.disable();
    }
  }

  private async end(unit: Unit, how: 'commit' | 'rollback'): Promise<void> {
    // Closed first: a query still pending from the unit's body gets a connection of its own.
    unit.open = false;
    if (!unit.connection) return;
    const connection = await unit.connection;
    this.lent.delete(connection);
    try {
      await raw(connection, how);
    } finally {
      await this.driver!.releaseConnection(connection);
    }
  }

  private async take(unit: Unit, driver: Driver): Promise<DatabaseConnection> {
    const connection = await driver.acquireConnection();
    try {
      await raw(connection, this.begin);
    } catch (error) {
      await driver.releaseConnection(connection);
      throw error;
    }
    this.lent.set(connection, unit);
    return connection;
  }

  /** The driver every query goes through: the unit's connection inside a unit, the driver's own outside. */
  private routed(driver: Driver): Driver {
    const nested = (connection: DatabaseConnection) => this.lent.get(connection);
    return {
      init: () => driver.init(),
      destroy: () => driver.destroy(),
      acquireConnection: () => {
        const unit = this.active.getStore();
        if (unit?.open !== true) return driver.acquireConnection();
        unit.connection ??= this.take(unit, driver);
        return unit.connection;
      },
      releaseConnection: async (connection) => {
        if (!nested(connection)) await driver.releaseConnection(connection);
      },
      // A store's own transaction inside a unit becomes a savepoint of the unit's.
      beginTransaction: async (connection, settings: TransactionSettings) => {
        const unit = nested(connection);
        if (!unit) return driver.beginTransaction(connection, settings);
        unit.savepoints += 1;
        await raw(connection, `savepoint unit_${unit.savepoints}`);
      },
      commitTransaction: async (connection) => {
        const unit = nested(connection);
        if (!unit) return driver.commitTransaction(connection);
        await raw(connection, `release savepoint unit_${unit.savepoints}`);
        unit.savepoints -= 1;
      },
      rollbackTransaction: async (connection) => {
        const unit = nested(connection);
        if (!unit) return driver.rollbackTransaction(connection);
        await raw(connection, `rollback to savepoint unit_${unit.savepoints}`);
        await raw(connection, `release savepoint unit_${unit.savepoints}`);
        unit.savepoints -= 1;
      },
    };
  }
}
