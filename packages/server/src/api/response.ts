import type { ErrorPayload } from '@portcullis/core';

/** Kuzzle's response envelope (reference §1.2); over WebSocket it also carries `room`. */
export interface ResponseEnvelope {
  requestId: string | null;
  status: number;
  error: ErrorPayload | null;
  controller: string | null;
  action: string | null;
  index: null;
  collection: null;
  volatile: Record<string, unknown> | null;
  result: unknown;
  node: string;
  /** Headers set by the action (a redirection's Location, say). */
  headers: Record<string, string>;
  room?: string | null;
}

export interface EnvelopeFields {
  requestId: string | null;
  controller?: string | null;
  action?: string | null;
  volatile?: Record<string, unknown> | null;
  status?: number;
  result?: unknown;
  error?: ErrorPayload | null;
  headers?: Record<string, string>;
}

export function envelope(node: string, fields: EnvelopeFields): ResponseEnvelope {
  return {
    requestId: fields.requestId,
    status: fields.error ? fields.error.status : (fields.status ?? 200),
    error: fields.error ?? null,
    controller: fields.controller ?? null,
    action: fields.action ?? null,
    index: null,
    collection: null,
    volatile: fields.volatile ?? null,
    result: fields.error ? null : (fields.result ?? null),
    node,
    headers: fields.headers ?? {},
  };
}

/** The envelope fields that echo the request (an error's envelope may know only some of them). */
export function fieldsOf(request: { requestId: string | null; controller?: string | null; action?: string | null; volatile?: Record<string, unknown> | null }): EnvelopeFields {
  return { requestId: request.requestId, controller: request.controller ?? null, action: request.action ?? null, volatile: request.volatile ?? null };
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A successful request's envelope, built in one step: this runs for every request served. */
export function resultEnvelope(node: string, request: { requestId: string; controller: string; action: string; volatile: Record<string, unknown> | null }, result: unknown): ResponseEnvelope {
  return {
    requestId: request.requestId,
    status: 200,
    error: null,
    controller: request.controller,
    action: request.action,
    index: null,
    collection: null,
    volatile: request.volatile,
    result: result ?? null,
    node,
    headers: NO_HEADERS,
  };
}
