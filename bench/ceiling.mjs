// The ceiling: the most this machine's Node can do with the same transports and no work at
// all. A bare node:http server answers every request, and a bare ws server every message,
// with one fixed small JSON envelope. Started pinned to the same core as the server under test.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const body = JSON.stringify({ requestId: 'r', status: 200, error: null, controller: 'auth', action: 'getCurrentUser', result: { _id: 'u' } });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (socket) => socket.on('message', () => socket.send(body)));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
