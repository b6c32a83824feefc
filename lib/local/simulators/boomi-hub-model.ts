/**
 * Why the Boomi Hub simulator quarantines an entity, always from the entity it was sent: a field
 * that breaks the universe model's declared type or required rule (FIELD_FORMAT_ERROR,
 * REQUIRED_FIELD, worded like the Hub's own messages), or, for a batch a knob or `--quarantine`
 * picked, the entity itself awaiting approval (REQUIRES_APPROVAL).
 */

/** Why an entity was quarantined: `<stateDetail>` and `<message>`. */
export interface QuarantineDetail {
  readonly stateDetail: string;
  readonly message: string;
}

/** The seed's sample detail, for tests that want its exact wording about their own data. */
export const SEED_QUARANTINE_DETAIL: QuarantineDetail = {
  stateDetail: 'FIELD_FORMAT_ERROR',
  message: "The record's {Age} field value '41a' is not in a valid INTEGER format.",
};

/** Field types the simulator checks values against. */
export type BoomiFieldType = 'TEXT' | 'INTEGER' | 'FLOAT' | 'DATE' | 'BOOLEAN';

/** One field of a universe model: its element holds a value of `type`, maybe required. */
export interface BoomiFieldRule {
  /** @default 'TEXT' (any value) */
  readonly type?: BoomiFieldType;
  /** The entity must carry a non-blank value. @default false */
  readonly required?: boolean;
  /** The field's display name in messages, e.g. 'Age' for `<age>`. @default the element name */
  readonly label?: string;
}

/** A universe model: entity element name → field element name → rule. Undeclared fields are not checked. */
export type BoomiModel = Readonly<Record<string, Readonly<Record<string, BoomiFieldRule>>>>;

/** An entity as posted: its element name, `<id>` child and simple (text-only) fields. */
export interface PostedEntity {
  readonly type: string;
  readonly sourceEntityId?: string;
  readonly fields: Readonly<Record<string, string>>;
}

const VALID: Readonly<Record<BoomiFieldType, (value: string) => boolean>> = {
  TEXT: () => true,
  INTEGER: (value) => /^[+-]?\d+$/.test(value),
  FLOAT: (value) => value !== '' && Number.isFinite(Number(value)),
  DATE: (value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)),
  BOOLEAN: (value) => value === 'true' || value === 'false',
};

/** The first model rule the entity breaks, in the model's field order, or undefined. */
export function modelViolation(model: BoomiModel, entity: PostedEntity): QuarantineDetail | undefined {
  for (const [field, rule] of Object.entries(model[entity.type] ?? {})) {
    const label = rule.label ?? field;
    const value = entity.fields[field]?.trim() ?? '';
    if (value === '') {
      if (rule.required) return { stateDetail: 'REQUIRED_FIELD', message: `The record's {${label}} field is required but has no value.` };
      continue;
    }
    const type = rule.type ?? 'TEXT';
    if (!VALID[type](value)) return { stateDetail: 'FIELD_FORMAT_ERROR', message: `The record's {${label}} field value '${value}' is not in a valid ${type} format.` };
  }
  return undefined;
}

/** The detail of an entity quarantined by a knob rather than by the model: it names the entity sent. */
export function approvalDetail(entity: PostedEntity, sourceEntityId: string, source: string): QuarantineDetail {
  return { stateDetail: 'REQUIRES_APPROVAL', message: `New ${entity.type} entity '${sourceEntityId}' from source ${source} requires approval.` };
}
