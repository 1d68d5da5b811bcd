/**
 * httpx arms a read timer per request that the SDKs never clear (they read the
 * answer themselves): it held every request and answer of a scan for the whole
 * read timeout. clients.ts clears it once the answer has been read to its end.
 * Checked on the real SDK clients against the emulator: after a scan, no
 * socket a call used still holds an armed read timer, and the timers are the
 * ones httpx armed (the check would see them if they stayed).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { baseWorld, isolateCollectorRuns, runCollect } from './harness.js';

isolateCollectorRuns();

function readTimerOf(socket: object): { armed: boolean } | null | undefined {
  const key = Object.getOwnPropertySymbols(socket).find(
    (s) => s.description === 'TIMER::READ_TIMER',
  );
  if (!key) return undefined;
  const timer = (socket as Record<symbol, unknown>)[key] as { _destroyed?: boolean } | null;
  return timer ? { armed: timer._destroyed === false } : null;
}

describe('read timers', () => {
  it('are cleared once an answer is read, not left to hold the request for the read timeout', async () => {
    const sockets: Socket[] = [];
    const armedWhileAnswering: boolean[] = [];
    const onStart = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      // when the answer starts, httpx's timer is armed on the socket (what the check below would see)
      request.once('response', (response: IncomingMessage) => {
        sockets.push(response.socket);
        armedWhileAnswering.push(readTimerOf(response.socket)?.armed === true);
      });
    };
    subscribe('http.client.request.start', onStart);
    try {
      // 60 s read timeout: a timer left armed would still be armed when the scan ends
      await runCollect(baseWorld(), { readTimeoutMs: 60_000 });
    } finally {
      unsubscribe('http.client.request.start', onStart);
    }
    expect(sockets.length).toBeGreaterThan(5);
    expect(armedWhileAnswering.every(Boolean)).toBe(true);
    const stillArmed = sockets.filter((s) => readTimerOf(s)?.armed === true);
    expect(stillArmed).toEqual([]);
  });
});
