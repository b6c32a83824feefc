/**
 * What `npm start` runs: each system's example pipeline from pipelines.yaml against that
 * system's bundled simulator, with demo credentials standing in for Secrets Manager.
 */
import type { SystemName } from '../config/schema';
import { BoomiHubSimulator, type BoomiHubStep, type BoomiModel } from './simulators/boomi-hub';
import { CrossingMindsSimulator, type TaskName } from './simulators/crossing-minds';
import type { HttpSimulator } from './simulators/http-simulator';
import type { SimulatorShape } from './simulators/shape';
import { TamrCloudSimulator, type JobType } from './simulators/tamr-cloud';
import { TamrMasteringSimulator, type TamrMasteringStep } from './simulators/tamr-mastering';

/** A system's demo, looked up by a name that may not be a system (CLI input, docs). */
export function demoOf(system: string): DemoSetup | undefined {
  return Object.hasOwn(DEMOS, system) ? DEMOS[system as SystemName] : undefined;
}

/** What `simulate` (or a test) asks of a demo's simulator beyond its demo defaults. */
export interface DemoSimulatorOptions {
  /** Job length and failing / never-finishing steps, already checked against the system's step names (shapeFromArgs). @default the demo's */
  readonly shape?: SimulatorShape;
  /** Boomi Hub: the universe ids to accept, e.g. the config's. @default the demo's universe */
  readonly universes?: readonly string[];
}

export interface DemoSetup {
  /** Pipeline of pipelines.yaml it runs. */
  readonly pipeline: string;
  readonly simulator: (options?: DemoSimulatorOptions) => HttpSimulator;
  /** Base URL handlers use, given the simulator's root URL. */
  readonly baseUrl: (root: string) => string;
  readonly secrets: Record<string, unknown>;
  readonly input: Record<string, unknown>;
}

/** The demo universe's contact model, as examples/boomi-hub-contacts.xml is written against it. */
const CONTACT_MODEL: BoomiModel = {
  contact: { name: { label: 'Name', required: true }, email: { label: 'Email' }, age: { type: 'INTEGER', label: 'Age' } },
};

export const DEMOS: Readonly<Record<SystemName, DemoSetup>> = {
  'tamr-mastering': {
    pipeline: 'tamr-mastering-demo',
    simulator: ({ shape } = {}) => new TamrMasteringSimulator({ operationDurationMs: 1200, shape: shape as SimulatorShape<TamrMasteringStep> }),
    baseUrl: (root) => root,
    secrets: { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } },
    input: { mlConfigurationChanged: true },
  },
  'tamr-cloud': {
    pipeline: 'tamr-cloud-demo',
    simulator: ({ shape } = {}) => new TamrCloudSimulator({ jobDurationMs: 1200, shape: shape as SimulatorShape<JobType> }),
    // The simulator's root + /api/v1beta1 plays https://{tenant}.tamr.cloud/api/v1beta1.
    baseUrl: (root) => `${root}/api/v1beta1`,
    secrets: { 'continuum/tamr-cloud': { apiKey: 'apk_local_demo' } },
    input: {},
  },
  'crossing-minds': {
    pipeline: 'crossing-minds-demo',
    simulator: ({ shape } = {}) => {
      const simulator = new CrossingMindsSimulator({ taskDurationMs: 1200, shape: shape as SimulatorShape<TaskName> });
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
    // The example batch's last contact (age '41a') breaks the model's INTEGER age: 1 of 10 is within
    // the demo's 20% threshold, so the run succeeds with a warning and the quarantine report.
    simulator: ({ shape, universes } = {}) =>
      new BoomiHubSimulator({ batchDurationMs: 1200, model: CONTACT_MODEL, universes, shape: shape as SimulatorShape<BoomiHubStep> }),
    baseUrl: (root) => root,
    secrets: { 'continuum/boomi-hub': { username: 'boomi-user', password: 'boomi-token' } },
    input: {},
  },
};
