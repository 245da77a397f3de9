import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLocalNetworkAddress } from './webhook-address-policy';
import { postWebhook } from './webhook-sender';

/** A receiver on 127.0.0.1 that counts connections: a refused delivery must never have opened one. */
async function startReceiver(): Promise<{ url: string; port: number; connections: () => number; paths: string[]; server: Server }> {
  const paths: string[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    request.resume();
    if (request.url === '/redirect') response.writeHead(302, { location: '/landed' }).end();
    else response.writeHead(200).end('ok');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, connections: () => connections, paths, server };
}

describe('webhook target addresses', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::a9fe:a9fe',
  ])('%s is on the local network', (address) => {
    expect(isLocalNetworkAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is not', (address) => {
    expect(isLocalNetworkAddress(address)).toBe(false);
  });
});

describe('postWebhook', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const send = (address: string, allowLocalNetwork: boolean) => postWebhook(address, '{}', { 'content-type': 'application/json' }, { skipCertVerify: false, allowLocalNetwork });

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it('refuses local addresses by default, in every spelling, without connecting', async () => {
    const port = receiver.port;
    for (const address of [
      `${receiver.url}/`,
      `http://localhost:${port}/`,
      `https://localhost:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
    ]) {
      expect({ address, result: await send(address, false) }).toEqual({ address, result: { ok: false, status: 0, message: 'address not allowed by policy' } });
    }
    expect(receiver.connections()).toBe(0);
  });

  it('reports a blocked open port and a blocked closed port alike', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await send(`http://127.0.0.1:${closedPort}/`, false)).toEqual(await send(`${receiver.url}/`, false));
  });

  it('delivers to the local network when allowed, and names failures by class, not by socket error', async () => {
    expect(await send(`http://localhost:${receiver.port}/ok`, true)).toEqual({ ok: true, status: 200, message: 'HTTP 200' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await send(`http://127.0.0.1:${closedPort}/`, true)).toEqual({ ok: false, status: 0, message: 'connection refused' });
  });

  it('does not follow a redirect', async () => {
    expect(await send(`${receiver.url}/redirect`, true)).toEqual({ ok: false, status: 302, message: 'HTTP 302' });
    expect(receiver.paths).not.toContain('/landed');
  });
});
