import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract } from './contract';
import { RpcPeer } from './peer';
import { RpcError } from './protocol';
import { memoryTransportPair } from './transport';

const contract = defineContract({
  name: 'test',
  methods: {
    add: { params: z.object({ a: z.number(), b: z.number() }), result: z.object({ sum: z.number() }) },
    slowCount: { params: z.object({ to: z.number().int().positive() }), result: z.object({ counted: z.number() }), progress: true },
    broken: { params: z.object({}), result: z.object({ n: z.number() }) },
  },
  events: { tick: z.object({ n: z.number() }) },
});

function link() {
  const [a, b] = memoryTransportPair();
  const server = new RpcPeer(a, { remoteName: 'the client' });
  const client = new RpcPeer(b, { remoteName: 'the test service' });
  const seenAborts: string[] = [];
  server.serve(contract, {
    add: ({ a: x, b: y }) => ({ sum: x + y }),
    slowCount: async ({ to }, ctx) => {
      for (let i = 1; i <= to; i++) {
        if (ctx.signal.aborted) {
          seenAborts.push(ctx.requestId);
          throw new RpcError('cancelled', 'stopped counting');
        }
        ctx.progress({ stage: 'count', done: i, total: to });
        await new Promise((r) => setTimeout(r, 5));
      }
      return { counted: to };
    },
    // Deliberately answers with the wrong shape.
    broken: () => ({ n: 'not a number' }) as unknown as { n: number },
  });
  return { server, client, a, b, seenAborts };
}

describe('RpcPeer', () => {
  it('answers a typed call', async () => {
    const { client } = link();
    await expect(client.client(contract).call('add', { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
  });

  it('refuses bad parameters before sending, with the field named', async () => {
    const { client } = link();
    const call = client.call(contract, 'add', { a: 2, b: 'three' });
    await expect(call).rejects.toMatchObject({ kind: 'bad-input' });
    await expect(call).rejects.toThrow(/params\.b/);
  });

  it('validates parameters on the serving side too (a hostile or buggy caller)', async () => {
    const [a, b] = memoryTransportPair();
    new RpcPeer(a, { remoteName: 'x' }).serve(contract, {
      add: ({ a: x, b: y }) => ({ sum: x + y }),
      slowCount: () => ({ counted: 0 }),
      broken: () => ({ n: 1 }),
    });
    const replies: unknown[] = [];
    b.onMessage((m) => replies.push(m));
    b.send({ t: 'req', id: 'r1', method: 'add', params: { a: 1 } });
    b.send({ t: 'req', id: 'r2', method: 'nope', params: {} });
    b.send({ t: 'req', id: 'r3', params: {} }); // no method: malformed envelope
    b.send('garbage');
    await new Promise((r) => setTimeout(r, 20));
    expect(replies).toEqual([
      { t: 'err', id: 'r1', error: expect.objectContaining({ kind: 'bad-input' }) },
      { t: 'err', id: 'r2', error: expect.objectContaining({ kind: 'unknown-method' }) },
      { t: 'err', id: 'r3', error: expect.objectContaining({ kind: 'invalid-message' }) },
    ]);
  });

  it('rejects a result that fails the contract instead of passing it on', async () => {
    const { client } = link();
    await expect(client.call(contract, 'broken', {})).rejects.toMatchObject({ kind: 'internal' });
  });

  it('checks results on the calling side as well', async () => {
    const [a, b] = memoryTransportPair();
    a.onMessage((m) => {
      const req = m as { id: string };
      a.send({ t: 'res', id: req.id, result: { sum: 'five' } });
    });
    const client = new RpcPeer(b, { remoteName: 'a liar' });
    await expect(client.call(contract, 'add', { a: 2, b: 3 })).rejects.toMatchObject({ kind: 'invalid-response' });
  });

  it('streams progress and returns the result', async () => {
    const { client } = link();
    const seen: number[] = [];
    const result = await client.call(contract, 'slowCount', { to: 4 }, { onProgress: (p) => seen.push(p.done) });
    expect(result).toEqual({ counted: 4 });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('cancels: the caller rejects at once and the handler sees the abort', async () => {
    const { client, seenAborts } = link();
    const controller = new AbortController();
    const call = client.call(contract, 'slowCount', { to: 1000 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 3) controller.abort();
      },
    });
    await expect(call).rejects.toMatchObject({ kind: 'cancelled' });
    await new Promise((r) => setTimeout(r, 30));
    expect(seenAborts).toHaveLength(1);
  });

  it('times out with a clear error', async () => {
    const { client } = link();
    await expect(client.call(contract, 'slowCount', { to: 1000 }, { timeoutMs: 20 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('fails pending and later calls as service-unavailable when the link closes', async () => {
    const { client, a } = link();
    const pending = client.call(contract, 'slowCount', { to: 1000 });
    a.close();
    await expect(pending).rejects.toMatchObject({ kind: 'service-unavailable' });
    const later = client.call(contract, 'add', { a: 1, b: 1 });
    await expect(later).rejects.toThrow(/test service is not reachable/);
  });

  it('delivers validated events and drops malformed ones', async () => {
    const { server, client, a } = link();
    const got: number[] = [];
    client.on(contract, 'tick', (p) => got.push(p.n));
    server.emit(contract, 'tick', { n: 1 });
    a.send({ t: 'event', topic: 'tick', payload: { n: 'x' } });
    server.emit(contract, 'tick', { n: 2 });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([1, 2]);
    expect(() => server.emit(contract, 'tick', { n: 'bad' } as unknown as { n: number })).toThrow(/payload\.n/);
  });
});
