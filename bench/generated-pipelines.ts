/**
 * N pipelines like the seed's (six Tamr Mastering steps, a schedule, records in S3), one per
 * project of one Tamr instance: the shape of a large deployment, for synth-scale checks.
 */
import { parseConfig, type LoadedConfig } from '../lib/config/load';

export function generatedPipelines(count: number): LoadedConfig {
  const pipelines = Array.from(
    { length: count },
    (_, i) => `  - name: project-${i + 1}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    schedule:
      expression: rate(6 hours)
    steps:
      - kind: updateRecords
        datasetId: "${1000 + i}"
        records: s3://continuum-records/project-${i + 1}.jsonl
      - kind: refreshUnifiedDataset
        project: "${i + 1}"
      - kind: populateRecipe
        recipeId: "${2000 + i}"
      - kind: refreshRecordPairs
        project: "${i + 1}"
      - kind: refreshRecordClusters
        project: "${i + 1}"
      - kind: refreshDataset
        datasetId: "${3000 + i}"
`,
  );
  return parseConfig(`pipelines:\n${pipelines.join('')}`, `generated-${count}.yaml`);
}
