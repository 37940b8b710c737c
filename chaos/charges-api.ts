// The payments provider's charges API that flows/order-placed.yaml calls (POST /charges → 201,
// POST /charges/<id>/refund → 200), on loopback, counting charges per order.
import { type Server, createServer } from 'node:http';

export interface ChargesApi {
  url: string;
  charges: Map<string, number>;
  close(): Promise<void>;
}

export async function startChargesApi(): Promise<ChargesApi> {
  const charges = new Map<string, number>();
  let seq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/charges') {
        const order = String((JSON.parse(Buffer.concat(chunks).toString() || '{}') as { order?: string }).order);
        charges.set(order, (charges.get(order) ?? 0) + 1);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ch_${++seq}` }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, charges, close: () => new Promise((r) => server.close(() => r())) };
}
