/**
 * What `npm start` runs: each system's example pipeline from pipelines.yaml against that
 * system's bundled simulator, with demo credentials standing in for Secrets Manager.
 */
import type { SystemName } from '../config/schema';
import { CrossingMindsSimulator } from './simulators/crossing-minds';
import type { HttpSimulator } from './simulators/http-simulator';
import { TamrCloudSimulator } from './simulators/tamr-cloud';
import { TamrMasteringSimulator } from './simulators/tamr-mastering';
import { BoomiHubSimulator } from './simulators/boomi-hub';

/** A system's demo, looked up by a name that may not be a system (CLI input, docs). */
export function demoOf(system: string): DemoSetup | undefined {
  return Object.hasOwn(DEMOS, system) ? DEMOS[system as SystemName] : undefined;
}

export interface DemoSetup {
  /** Pipeline of pipelines.yaml it runs. */
  readonly pipeline: string;
  readonly simulator: () => HttpSimulator;
  /** Base URL handlers use, given the simulator's root URL. */
  readonly baseUrl: (root: string) => string;
  readonly secrets: Record<string, unknown>;
  readonly input: Record<string, unknown>;
}

export const DEMOS: Readonly<Record<SystemName, DemoSetup>> = {
  'tamr-mastering': {
    pipeline: 'tamr-mastering-demo',
    simulator: () => new TamrMasteringSimulator({ operationDurationMs: 1200 }),
    baseUrl: (root) => root,
    secrets: { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } },
    input: { mlConfigurationChanged: true },
  },
  'tamr-cloud': {
    pipeline: 'tamr-cloud-demo',
    simulator: () => new TamrCloudSimulator({ jobDurationMs: 1200 }),
    // The simulator's root + /api/v1beta1 plays https://{tenant}.tamr.cloud/api/v1beta1.
    baseUrl: (root) => `${root}/api/v1beta1`,
    secrets: { 'continuum/tamr-cloud': { apiKey: 'apk_local_demo' } },
    input: {},
  },
  'crossing-minds': {
    pipeline: 'crossing-minds-demo',
    simulator: () => {
      const simulator = new CrossingMindsSimulator({ taskDurationMs: 1200 });
      // The demo JWT has expired before the run: the first call renews it with the refresh token.
      simulator.expireToken();
      return simulator;
    },
    baseUrl: (root) => root,
    secrets: { 'continuum/crossing-minds': { token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' } },
    input: {},
  },
  'boomi-hub': {
    pipeline: 'boomi-hub-demo',
    // The batch's last contact (age '41a') ends quarantined: 1 of 10 is within the demo's 20%
    // threshold, so the run succeeds with a warning and the quarantine report in its output.
    simulator: () => {
      const simulator = new BoomiHubSimulator({ batchDurationMs: 1200 });
      simulator.quarantineNext(1);
      return simulator;
    },
    baseUrl: (root) => root,
    secrets: { 'continuum/boomi-hub': { username: 'boomi-user', password: 'boomi-token' } },
    input: {},
  },
};
