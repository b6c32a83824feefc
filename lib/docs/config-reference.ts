/**
 * The README's config reference, generated from the zod schemas (through `z.toJSONSchema`), so
 * the tables cannot drift from what `loadConfig` accepts. Every system of `pipelineSchema` gets
 * its own section; fields and step kinds are documented by their `.describe()` / `.meta()` texts.
 */
import * as z from 'zod';
import { basePipelineShape, stepDisplayShape } from '../config/common';
import { pipelineSchema, SYSTEMS } from '../config/schema';
import { slotPoolSchema } from '../config/slot-pools';

/** The part of JSON Schema that `z.toJSONSchema` emits for our schemas. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  format?: string;
}

/** One row of a reference table. */
export interface FieldRow {
  readonly field: string;
  readonly type: string;
  /** `required`, `—` (optional, no default) or the default in backticks. */
  readonly default: string;
  readonly description: string;
}

export interface StepKindDoc {
  readonly kind: string;
  readonly description: string;
  readonly fields: FieldRow[];
}

export interface SystemDoc {
  readonly system: string;
  readonly title: string;
  readonly description: string;
  readonly fields: FieldRow[];
  readonly kinds: StepKindDoc[];
}

export interface ConfigReference {
  readonly pipelineFields: FieldRow[];
  readonly stepFields: FieldRow[];
  /** Fields of a top-level `slotPools` entry. */
  readonly slotPoolFields: FieldRow[];
  readonly systems: SystemDoc[];
}

/** The input side: what a user writes (defaults optional, transforms not applied). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export function configReference(): ConfigReference {
  const union = jsonSchemaOf(pipelineSchema);
  const systems = union.oneOf ?? union.anyOf ?? [union];
  if (systems.length !== SYSTEMS.length) throw new Error(`expected ${SYSTEMS.length} system schemas, found ${systems.length}`);
  const common = new Set(Object.keys(basePipelineShape));
  const display = new Set(Object.keys(stepDisplayShape));

  // Fields every pipeline has: read from the first system (they come from basePipelineShape).
  const first = systems[0];
  const pipelineFields: FieldRow[] = [];
  for (const [key, schema] of Object.entries(first.properties ?? {})) {
    if (common.has(key)) pipelineFields.push(...rows(key, schema, isRequired(first, key)));
    if (key === 'name') {
      pipelineFields.push({
        field: '`system`',
        type: SYSTEMS.map((s) => `\`${s}\``).join(' \\| '),
        default: 'required',
        description: 'Which vendor API the pipeline drives; decides the other fields and the step kinds (sections below).',
      });
    }
  }

  const stepFields: FieldRow[] = [
    { field: '`kind`', type: 'string', default: 'required', description: "The step kind: one of the system's kinds below." },
  ];
  const stepDisplay = jsonSchemaOf(z.object(stepDisplayShape));
  for (const [key, schema] of Object.entries(stepDisplay.properties ?? {})) stepFields.push(...rows(key, schema, false));

  const docs = systems.map((schema): SystemDoc => {
    const system = String(schema.properties?.system?.const);
    const fields: FieldRow[] = [];
    for (const [key, field] of Object.entries(schema.properties ?? {})) {
      if (common.has(key) || key === 'system') continue;
      fields.push(...rows(key, field, isRequired(schema, key)));
    }
    const kindSchemas = schema.properties?.steps?.items?.oneOf ?? schema.properties?.steps?.items?.anyOf ?? [];
    const kinds = kindSchemas.map((kindSchema): StepKindDoc => {
      const kind = String(kindSchema.properties?.kind?.const);
      const kindFields: FieldRow[] = [];
      for (const [key, field] of Object.entries(kindSchema.properties ?? {})) {
        if (key === 'kind' || display.has(key)) continue;
        kindFields.push(...rows(key, field, isRequired(kindSchema, key)));
      }
      return { kind, description: kindSchema.description ?? '', fields: kindFields };
    });
    return { system, title: schema.title ?? titleCase(system), description: schema.description ?? '', fields, kinds };
  });
  const slotPool = jsonSchemaOf(slotPoolSchema);
  const slotPoolFields = Object.entries(slotPool.properties ?? {}).flatMap(([key, schema]) => rows(key, schema, isRequired(slotPool, key)));
  return { pipelineFields, stepFields, slotPoolFields, systems: docs };
}

/** The Markdown inserted between `<!-- config-reference -->` and `<!-- /config-reference -->`. */
export function configReferenceMarkdown(reference: ConfigReference = configReference()): string {
  const out: string[] = [
    '### Fields of every pipeline',
    '',
    ...table(reference.pipelineFields),
    '',
    '### Fields of every step',
    '',
    'Each entry of `steps` has a `kind`; the optional `name` and `subject` rename its states.',
    '',
    ...table(reference.stepFields),
    '',
    '### Slot pools',
    '',
    'The top-level `slotPools` list declares tenant-wide job limits; a pipeline joins one with `slotPool: <name>`.',
    '',
    ...table(reference.slotPoolFields),
  ];
  for (const system of reference.systems) {
    out.push('', `### ${system.title} (\`system: ${system.system}\`)`, '');
    if (system.description) out.push(system.description, '');
    out.push(...table(system.fields), '', `Step kinds: ${system.kinds.map((k) => `\`${k.kind}\``).join(', ')}.`);
    for (const kind of system.kinds) {
      out.push('', `#### \`${kind.kind}\``, '');
      if (kind.description) out.push(kind.description, '');
      out.push(...(kind.fields.length ? table(kind.fields) : ['No fields besides `kind`, `name` and `subject`.']));
    }
  }
  return out.join('\n');
}

/** A field's row, then (for an object) its fields' rows as `parent.child`. */
function rows(path: string, schema: JsonSchema, required: boolean, inheritedDefault?: unknown): FieldRow[] {
  const fallback = schema.default ?? inheritedDefault;
  const row: FieldRow = {
    field: `\`${path}\``,
    type: typeOf(schema),
    default: fallback !== undefined ? defaultText(fallback) : required ? 'required' : '—',
    description: cell(schema.description ?? ''),
  };
  const children = schema.type === 'object' && schema.properties ? schema.properties : undefined;
  if (!children) return [row];
  const parentDefault = (fallback ?? {}) as Record<string, unknown>;
  return [
    { ...row, default: required && fallback === undefined ? 'required' : '—' },
    ...Object.entries(children).flatMap(([key, child]) => rows(`${path}.${key}`, child, isRequired(schema, key), parentDefault[key])),
  ];
}

function isRequired(schema: JsonSchema, key: string): boolean {
  return (schema.required ?? []).includes(key);
}

/** A short type: `integer 1–3600`, `string or integer ≥ 0`, `URL`, `list of steps`. */
export function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    if (alternatives.every((a) => a.type === 'object')) return 'object';
    return [...new Set(alternatives.map(typeOf))].join(' or ');
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return `${type}${range(schema.minimum, schema.maximum)}`;
    case 'string':
      if (schema.format === 'uri') return 'URL';
      return schema.maxLength !== undefined ? `string, ≤ ${schema.maxLength} chars` : 'string';
    case 'array': {
      const items = schema.items;
      const of = items?.oneOf || items?.anyOf ? 'steps' : items ? typeOf(items) : 'values';
      return `list of ${of}${schema.minItems ? `, at least ${schema.minItems}` : ''}`;
    }
    case 'object':
      return schema.properties ? 'object' : 'map';
    case undefined:
      return 'any';
    default:
      return type;
  }
}

function range(min: number | undefined, max: number | undefined): string {
  const hasMax = max !== undefined && max < Number.MAX_SAFE_INTEGER;
  if (min !== undefined && hasMax) return ` ${min}–${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (hasMax) return ` ≤ ${max}`;
  return '';
}

function defaultText(value: unknown): string {
  if (value && typeof value === 'object' && Object.keys(value).length > 0) return '—';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function table(rows: readonly FieldRow[]): string[] {
  return ['| field | type | default | description |', '|---|---|---|---|', ...rows.map((r) => `| ${r.field} | ${r.type} | ${r.default} | ${r.description} |`)];
}

/** Table cells are one line, and `|` would end the cell. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function titleCase(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
