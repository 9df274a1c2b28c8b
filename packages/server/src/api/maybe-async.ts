/**
 * A value now, or a promise of it later. The request path uses it where the common case is a
 * cache hit: each `await` costs an async frame, a promise and a trip through the microtask
 * queue, and a token check that needs no I/O should pay none of them (graphql-js executes
 * resolvers the same way).
 */
export type MaybeAsync<T> = T | Promise<T>;

export function isPromise<T>(value: MaybeAsync<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Calls `next` with the value: at once when it is there, once it settles when it is a promise. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return isPromise(value) ? value.then(next) : next(value);
}
