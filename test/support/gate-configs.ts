/**
 * The deploy gate's three configs, shared by the gate's test files and the child process that
 * synthesizes them (test/support/gate-synth-child.ts).
 */
import { readFileSync } from 'node:fs';
import { parseConfig, type LoadedConfig } from '../../lib/config/load';
import { exampleTextWithS3Records, mixedPipelines } from './generated-configs';

export type GateConfig = 'a' | 'b' | 'c';

export const GATE_CONFIGS: Readonly<Record<GateConfig, { readonly label: string; readonly make: () => LoadedConfig }>> = {
  a: { label: '(a) pipelines.yaml', make: () => parseConfig(exampleText(), 'pipelines.yaml') },
  b: { label: '(b) pipelines.yaml, records in S3', make: () => parseConfig(exampleTextWithS3Records(exampleText()), 'pipelines-s3.yaml') },
  c: { label: '(c) 160 pipelines', make: () => mixedPipelines(exampleText(), 40) },
};

function exampleText(): string {
  return readFileSync('pipelines.yaml', 'utf8');
}
