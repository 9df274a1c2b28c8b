import type { MetricsSnapshot } from '@portcullis/server';
import type { ApiClient } from './clients.js';
import { ok } from './fixtures.js';
import { parseExposition, type Exposition } from './prometheus-text.js';

/** server:metrics' result, asserted successful. */
export async function metricsOf(client: ApiClient, jwt: string): Promise<MetricsSnapshot> {
  return ok<MetricsSnapshot>(await client.call({ controller: 'server', action: 'metrics', jwt }));
}

/** How many answers of `controller:action` with `status` a snapshot counts. */
export function answers(snapshot: MetricsSnapshot, action: string, status: number): number {
  return snapshot.portcullis.requests[action]?.[String(status)] ?? 0;
}

/** One scrape of `GET /_metrics/prometheus` with the given Authorization header (none: anonymous). */
export async function scrape(url: string, authorization?: string): Promise<{ status: number; type: string | null; text: string; headers: Headers }> {
  const response = await fetch(`${url}/_metrics/prometheus`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text(), headers: response.headers };
}

/** A successful scrape, parsed. */
export async function scraped(url: string, authorization: string): Promise<{ text: string; exposition: Exposition }> {
  const { status, text } = await scrape(url, authorization);
  if (status !== 200) throw new Error(`scrape answered ${status}: ${text}`);
  return { text, exposition: parseExposition(text) };
}

export const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
