/** The execution input `start` sends: the user's fields, `fromStep`, `trigger`, checked against the pipeline's input schema. */
import type { PipelineConfig } from '../../lib/config/schema';
import { UsageError } from './declare';

export async function checkedInput(pipeline: PipelineConfig, input: Record<string, unknown>, fromStep: string | undefined): Promise<Record<string, unknown>> {
  const { jobsOf } = await import('../../lib/providers');
  const { didYouMean } = await import('../../lib/text/suggest');
  const { inputProblems } = await import('../../lib/operate/input');
  if (fromStep !== undefined) {
    const titles = jobsOf(pipeline).map((job) => job.title);
    if (!titles.includes(fromStep)) {
      throw new UsageError(`--from-step: pipeline '${pipeline.name}' has no step '${fromStep}'${didYouMean(fromStep, titles)}; its steps: ${titles.map((t) => `'${t}'`).join(', ')}`);
    }
  }
  const full = { trigger: 'manual', ...input, ...(fromStep !== undefined ? { fromStep } : {}) };
  const problems = inputProblems(pipeline, full);
  if (problems.length) throw new UsageError(`--input: ${problems.join('\n--input: ')}\nNothing was started.`);
  return full;
}
