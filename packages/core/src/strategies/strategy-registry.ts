import passport from 'passport';
import type { Strategy } from 'passport-strategy';
import { credentialFingerprint } from '../credentials/login-key.js';
import { fail, isPortcullisError, PortcullisError } from '../errors/index.js';
import { namespaced, type Logger } from '../logging/logger.js';
import type { CredentialStore, UserRecord } from '../storage/ports.js';
import { isAuditEventType, type AuditEventInput, type AuditHooks } from '../audit/audit-event.js';
import { userChangeDetails } from '../audit/user-change.js';
import { runPassport, verifyAdapter, type LoginOutcome } from './passport-adapter.js';
import type { PluginMetricsHost } from './plugin-metrics.js';
import { scopeCredentials } from './scoped-credentials.js';
import { bindingsNamespace } from './self-service.js';
import {
  REQUIRED_METHODS, OPTIONAL_METHODS, type PassportRequest, type StrategyFactory, type StrategyPlugin, type StrategyUsers,
} from './strategy-plugin.js';

export interface StrategyRegistryOptions {
  credentials: CredentialStore;
  loadUser: (kuid: string) => Promise<UserRecord | null>;
  logger: Logger;
  /** The `plugins` section of the config: each strategy gets `plugins[name]`. */
  pluginConfig: Readonly<Record<string, unknown>>;
  /** User management handed to plugins (`StrategyContext.users`); may also be bound later with {@link StrategyRegistry.bindUsers}. */
  users?: StrategyUsers;
  /** Where plugins report their figures (`StrategyContext.metrics`); none when absent. */
  metrics?: PluginMetricsHost;
  /** Where plugins' audit hooks (StrategyPlugin.hooks) are subscribed: the node's AuditLog. */
  audit?: { subscribe(name: string, hooks: AuditHooks): void; unsubscribe(name: string): void; record?(event: AuditEventInput): void };
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * The strategies a node serves. One Passport `Authenticator` per registry (never Passport's
 * global singleton); strategies can be added and removed while the server runs.
 */
export class StrategyRegistry {
  private readonly passport = new passport.Authenticator();
  private readonly plugins = new Map<string, StrategyPlugin>();
  private boundUsers: StrategyUsers | undefined;
  /**
   * What a plugin's context holds as `users`: it forwards to the bound implementation at call
   * time, because the core's UserService needs this registry and so is built after it. The
   * users a plugin provisions are audited (`user:create`, `user:update`, `details.action:
   * "provision"`), with the plugin as their strategy and no actor.
   */
  private usersFacet(name: string): StrategyUsers {
    const audit = (type: 'user:create' | 'user:update', kuid: string, content: Record<string, unknown>) => {
      this.options.audit?.record?.({ type, userId: kuid, strategy: name, details: userChangeDetails('provision', content) });
    };
    return Object.freeze({
      get: async (kuid: string) => this.requireUsers().get(kuid),
      create: async (user: Parameters<StrategyUsers['create']>[0]) => {
        const created = await this.requireUsers().create(user);
        audit('user:create', created._id, user.content);
        return created;
      },
      update: async (kuid: string, changes: Record<string, unknown>) => {
        const updated = await this.requireUsers().update(kuid, changes);
        audit('user:update', kuid, changes);
        return updated;
      },
    });
  }

  constructor(private readonly options: StrategyRegistryOptions) {
    this.boundUsers = options.users;
  }

  /** Binds the user management that plugins reach through `context.users` (the core's UserService). */
  bindUsers(users: StrategyUsers): void {
    this.boundUsers = users;
  }

  /**
   * Builds the plugin from its factory, checks it against the contract and serves it.
   * @throws plugin.strategy.invalid_description, plugin.strategy.invalid_method,
   *   plugin.strategy.invalid_authenticator, plugin.strategy.strategy_already_registered
   */
  async register(name: string, factory: StrategyFactory): Promise<StrategyPlugin> {
    if (typeof name !== 'string' || !NAME.test(name)) throw fail('plugin.strategy.invalid_description', String(name), 'the name must match /^[a-z][a-z0-9_-]*$/');
    if (this.plugins.has(name)) throw fail('plugin.strategy.strategy_already_registered', name);
    if (typeof factory !== 'function') throw fail('plugin.strategy.invalid_description', name, 'the plugin must export a factory function');
    const logger = namespaced(this.options.logger, `strategy:${name}`);
    const plugin = await factory({
      name,
      config: this.options.pluginConfig[name],
      credentials: scopeCredentials(this.options.credentials, name),
      bindings: scopeCredentials(this.options.credentials, bindingsNamespace(name)),
      logger,
      users: this.usersFacet(name),
      ...(this.options.metrics ? { metrics: this.options.metrics.of(name) } : {}),
    });
    const strategy = this.check(name, plugin);
    this.passport.use(name, strategy);
    this.plugins.set(name, plugin);
    if (plugin.hooks) this.options.audit?.subscribe(name, plugin.hooks);
    try {
      await plugin.afterRegister?.(strategy);
    } catch (error) {
      await this.unregister(name);
      throw this.wrap(name, error);
    }
    logger.info({ strategy: name, selfEditableFields: plugin.selfEditableFields ?? 'all' }, 'strategy registered');
    return plugin;
  }

  /** @throws plugin.strategy.unauthorized_removal when the strategy is not registered */
  async unregister(name: string): Promise<void> {
    const plugin = this.plugins.get(name);
    if (!plugin) throw fail('plugin.strategy.unauthorized_removal', name);
    this.plugins.delete(name);
    this.passport.unuse(name);
    this.options.audit?.unsubscribe(name);
    this.options.metrics?.forget(name);
    await plugin.close?.();
  }

  names(): string[] {
    return [...this.plugins.keys()];
  }

  has(name: string): boolean {
    return this.plugins.has(name);
  }

  /** @throws security.credentials.unknown_strategy */
  require(name: string): StrategyPlugin {
    const plugin = this.plugins.get(name);
    if (!plugin) throw fail('security.credentials.unknown_strategy', name);
    return plugin;
  }

  /**
   * Runs the strategy's Passport flow for one login.
   * @throws security.credentials.unknown_strategy, plugin.strategy.missing_user
   */
  async login(name: string, request: PassportRequest): Promise<LoginOutcome> {
    this.require(name);
    return runPassport(this.passport, name, request);
  }

  /**
   * Whether the credentials a login verified are still the user's: false when they changed or
   * went since (a password change that overlapped the login). True when the strategy gave no
   * fingerprint (it stores no secret of its own, e.g. a directory).
   */
  async stillVerified(name: string, outcome: { user: UserRecord; fingerprint?: string | undefined }): Promise<boolean> {
    if (outcome.fingerprint === undefined) return true;
    const record = await this.options.credentials.findByKuid(name, outcome.user._id);
    return record !== null && credentialFingerprint(record) === outcome.fingerprint;
  }

  /** Calls a plugin method; an error that is not catalogued becomes plugin.runtime.unexpected_error (cause logged). */
  async call<T>(name: string, run: (plugin: StrategyPlugin) => Promise<T>): Promise<T> {
    const plugin = this.require(name);
    try {
      return await run(plugin);
    } catch (error) {
      throw this.wrap(name, error);
    }
  }

  async close(): Promise<void> {
    for (const name of this.names()) await this.unregister(name);
  }

  private check(name: string, plugin: StrategyPlugin): Strategy {
    if (typeof plugin !== 'object' || plugin === null) throw fail('plugin.strategy.invalid_description', name, 'the factory must return an object');
    if (plugin.name !== name) throw fail('plugin.strategy.invalid_description', name, `the plugin calls itself "${String(plugin.name)}"`);
    if (!Array.isArray(plugin.fields) || !plugin.fields.every((field) => typeof field === 'string')) {
      throw fail('plugin.strategy.invalid_description', name, 'fields must be an array of strings');
    }
    const selfEditable = plugin.selfEditableFields;
    if (selfEditable !== undefined && !(Array.isArray(selfEditable) && selfEditable.every((field) => typeof field === 'string'))) {
      throw fail('plugin.strategy.invalid_description', name, 'selfEditableFields must be an array of strings when present');
    }
    for (const method of REQUIRED_METHODS) if (typeof plugin[method] !== 'function') throw fail('plugin.strategy.invalid_method', name, method);
    for (const method of OPTIONAL_METHODS) {
      if (plugin[method] !== undefined && typeof plugin[method] !== 'function') throw fail('plugin.strategy.invalid_method', name, method);
    }
    checkHooks(name, plugin.hooks);
    const strategy = plugin.createPassportStrategy(verifyAdapter(plugin, this.options.loadUser));
    if (!strategy || typeof strategy.authenticate !== 'function') throw fail('plugin.strategy.invalid_authenticator', name);
    return strategy;
  }

  /** @throws core.fatal.service_unavailable until {@link StrategyRegistry.bindUsers} was called */
  private requireUsers(): StrategyUsers {
    if (!this.boundUsers) throw fail('core.fatal.service_unavailable', 'user management is not ready yet');
    return this.boundUsers;
  }

  private wrap(name: string, error: unknown): PortcullisError {
    if (isPortcullisError(error)) return error;
    this.options.logger.error({ err: error, strategy: name }, 'strategy plugin failed');
    return new PortcullisError('plugin.runtime.unexpected_error', [name], { cause: error });
  }
}

/** @throws plugin.strategy.invalid_description when `hooks` is not an object of functions keyed by audit event types */
function checkHooks(name: string, hooks: unknown): void {
  if (hooks === undefined) return;
  if (typeof hooks !== 'object' || hooks === null) throw fail('plugin.strategy.invalid_description', name, 'hooks must be an object');
  for (const [type, hook] of Object.entries(hooks)) {
    if (!isAuditEventType(type)) throw fail('plugin.strategy.invalid_description', name, `hooks.${type} names no audit event type`);
    if (typeof hook !== 'function') throw fail('plugin.strategy.invalid_description', name, `hooks.${type} must be a function`);
  }
}
