import autocannon from 'autocannon';
import WebSocket from 'ws';

/** What one load phase measured. */
export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  count: number;
}

export interface HttpLoad {
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests each connection cycles through (their headers replace `headers`, their body `body`). */
  rotate?: Array<{ headers: Record<string, string>; body?: string }>;
}

/** HTTP load with autocannon; a response other than 2xx counts as an error. */
export async function httpLoad(url: string, load: HttpLoad): Promise<Figures> {
  const result = await autocannon({
    url: `${url}${load.path}`,
    connections: load.connections,
    duration: load.seconds,
    method: load.method ?? 'GET',
    headers: load.headers ?? {},
    ...(load.body ? { body: load.body } : {}),
    ...(load.rotate ? { requests: load.rotate.map(({ headers, body }) => ({ method: load.method ?? 'GET', path: load.path, headers, ...(body ? { body } : {}) })) } : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    count: result.requests.total,
  };
}

export interface WsLoad {
  sockets: number;
  inFlight: number;
  seconds: number;
  /** The message socket `index` sends (a JSON request). */
  message(index: number): string;
}

/** Opens sockets, keeps `inFlight` requests outstanding on each for `seconds`, and times the answers. */
export async function wsLoad(url: string, load: WsLoad): Promise<Figures> {
  const sockets = await openSockets(url, load.sockets);
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + load.seconds * 1000;
  await Promise.all(
    sockets.map(
      (socket, index) =>
        new Promise<void>((done) => {
          const message = load.message(index);
          const sent: number[] = [];
          let outstanding = 0;
          const send = () => {
            sent.push(performance.now());
            outstanding++;
            socket.send(message);
          };
          socket.on('message', (data) => {
            outstanding--;
            latencies.push(performance.now() - (sent.shift() ?? performance.now()));
            if (!String(data).includes('"status":200')) errors++;
            if (Date.now() < end) send();
            else if (outstanding === 0) done();
          });
          for (let i = 0; i < load.inFlight; i++) send();
        }),
    ),
  );
  await Promise.all(sockets.map(close));
  return summarize(latencies, errors, load.seconds);
}

export async function openSockets(url: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, () => new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false }));
    await Promise.all(batch.map((socket) => new Promise((done, fail) => socket.once('open', done).once('error', fail))));
    sockets.push(...batch);
  }
  return sockets;
}

export function close(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((done) => {
    socket.once('close', () => done());
    socket.close();
  });
}

function summarize(latencies: number[], errors: number, seconds: number): Figures {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: latencies.length / seconds, p50: round(at(0.5)), p99: round(at(0.99)), errors, count: latencies.length };
}

const round = (value: number) => Math.round(value * 100) / 100;
