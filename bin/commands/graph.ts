import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesizedApp } from '../../lib/local/synthesized';
import { defineCommand, UsageError } from './declare';
import { activity } from './feedback';
import { checkPipelineName, configOption, loadConfigFile } from './shared';

const FORMATS = ['mermaid', 'svg', 'png'] as const;

export const graphCommand = defineCommand({
  name: 'graph',
  summary: "Draw each pipeline's state machine as Mermaid, SVG and PNG",
  description: `Draws each pipeline's synthesized state machine (or only --pipeline) into --out as
<pipeline>.mmd (Mermaid), <pipeline>.svg and <pipeline>.png (Graphviz, no browser needed).`,
  options: {
    config: configOption,
    pipeline: { type: 'string', value: 'NAME', help: 'only this pipeline' },
    out: { type: 'string', value: 'DIR', help: 'output directory', default: 'diagrams' },
    format: { type: 'string', value: 'LIST', help: 'comma-separated subset of mermaid,svg,png (default all three)' },
    level: {
      type: 'choice',
      choices: ['steps', 'states'],
      value: 'LEVEL',
      help: 'steps: one node per step, failures folded into one edge',
      more: ['states: every state of the state machine'],
      default: 'steps',
    },
    width: { type: 'integer', value: 'N', help: 'PNG width in pixels (default: natural size, text 18 px high)', min: 100, max: 20_000, unit: 'pixels' },
  },
  async run(values) {
    const formatText = values.format ?? FORMATS.join(',');
    const formats = formatText.split(',').map((f) => f.trim());
    const unknown = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
    if (unknown.length || formats.length === 0) throw new UsageError(`--format takes a comma-separated subset of ${FORMATS.join(',')}, got '${formatText}'`);

    const config = await loadConfigFile(values.config);
    await checkPipelineName(config, values.pipeline);
    const synthesizing = activity(`Synthesizing ${values.config} to draw ${values.pipeline ? `'${values.pipeline}'` : 'its pipelines'}…`);
    let app: SynthesizedApp;
    try {
      const { synthesizeForLocalRun } = await import('../../lib/local/synthesized');
      app = synthesizeForLocalRun(config);
    } finally {
      await synthesizing.done();
    }
    const { pipelineGraph } = await import('../../lib/diagram/graph');
    const level = values.level === 'states' ? 'states' : 'steps';
    const { toDot, toPng, toSvg } = await import('../../lib/diagram/graphviz');
    const { toMermaid } = await import('../../lib/diagram/mermaid');
    const selected = [...app.pipelines.values()].filter((p) => !values.pipeline || p.config.name === values.pipeline);

    mkdirSync(values.out, { recursive: true });
    for (const pipeline of selected) {
      const name = pipeline.config.name;
      const written: string[] = [];
      const write = (file: string, content: string | Buffer) => {
        const path = join(values.out, file);
        writeFileSync(path, content);
        written.push(`${path} (${formatBytes(Buffer.byteLength(content))})`);
      };
      const diagram = pipelineGraph(pipeline, level);
      if (formats.includes('mermaid')) write(`${name}.mmd`, `${toMermaid(diagram)}\n`);
      if (formats.includes('svg') || formats.includes('png')) {
        const svg = await toSvg(toDot(diagram, `${name} (${pipeline.config.system})`));
        if (formats.includes('svg')) write(`${name}.svg`, svg);
        if (formats.includes('png')) write(`${name}.png`, toPng(svg, values.width));
      }
      console.log(`${name}: ${Object.keys(pipeline.definition.States).length} top-level states`);
      for (const line of written) console.log(`  ${line}`);
    }
    return 0;
  },
});

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
