import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portAnswers } from './tcp-port.js';

describe('portAnswers', () => {
  it('is true while something listens on the port and false once it stopped', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await portAnswers('127.0.0.1', port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await portAnswers('127.0.0.1', port, 500)).toBe(false);
  });
});
