/**
 * The `delay` fault released by events instead of time: an answer held until the simulator has
 * received N more requests (or `releaseDelays()`, or stop), so "this answer comes after those"
 * holds however fast or slow the machine runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { until } from '../support/local-run';

const V1 = '/api/versioned/v1';
const headers = { authorization: `BasicCreds ${Buffer.from('admin:dt').toString('base64')}` };
let sim: TamrMasteringSimulator;
afterEach(() => sim.stop());

async function started(): Promise<string> {
  sim = new TamrMasteringSimulator({ clock: () => 0 });
  return sim.start(0);
}

describe('a delay fault with untilRequests', () => {
  it('answers only after that many more requests arrived, then normally', async () => {
    const url = await started();
    sim.injectFault({ fault: { kind: 'delay', untilRequests: 2 }, method: 'POST' });
    const order: string[] = [];
    const held = fetch(`${url}${V1}/projects/1/unifiedDataset:refresh`, { method: 'POST', headers }).then((r) => (order.push('held'), r));
    // Each of these is answered while the first waits: the answer order is by events only.
    for (const n of [1, 2]) {
      const answer = await fetch(`${url}${V1}/operations/999`, { headers });
      expect(answer.status).toBe(404);
      order.push(`other ${n}`);
    }
    const response = await held;
    expect(response.status).toBe(200);
    expect(order).toEqual(['other 1', 'other 2', 'held']);
    expect(sim.requests.map((r) => [r.method, r.status])).toEqual([['POST', 200], ['GET', 404], ['GET', 404]]);
  });

  it('releaseDelays() answers every held request at once', async () => {
    const url = await started();
    sim.injectFault({ fault: { kind: 'delay', untilRequests: 100 }, method: 'POST', times: 2 });
    const held = [1, 2].map(() => fetch(`${url}${V1}/projects/1/unifiedDataset:refresh`, { method: 'POST', headers }));
    await until(() => sim.requests.length === 2);
    sim.releaseDelays();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses a delay with neither ms nor untilRequests', async () => {
    await started();
    expect(() => sim.injectFault({ fault: { kind: 'delay' } })).toThrow('a delay fault needs ms or untilRequests');
  });
});
