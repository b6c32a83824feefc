/** docs/operate.md's input schemas (`<!-- input-schemas -->`): each example pipeline's execution input as JSON Schema, as its stack output holds it. */
import type { LoadedConfig } from '../config/load';
import { inputJsonSchema } from '../operate/input';

export function inputSchemasMarkdown(config: LoadedConfig): string {
  return config.pipelines
    .map((pipeline) => `**${pipeline.name}** (${pipeline.system}):\n\n\`\`\`json\n${JSON.stringify(inputJsonSchema(pipeline), null, 2)}\n\`\`\``)
    .join('\n\n');
}
