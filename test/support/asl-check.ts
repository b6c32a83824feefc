/**
 * asl-validator over many definitions without compiling its schemas once per definition.
 *
 * asl-validator builds a new Ajv, registers the same formats and compiles its whole schema set on
 * every call: about a second of CPU each, so the deploy gate's 170-odd definitions spent minutes
 * compiling identical schemas. Here the first Ajv it builds is kept and handed back to its later
 * calls, with their (identical) format and keyword registrations skipped: every definition gets
 * exactly asl-validator's checks (schema, paths, ARNs, transitions, names, terminal states), from
 * one compiled schema set. Options must be the same on every call for that to hold, so they are
 * fixed here.
 */
import { createRequire } from 'node:module';
import aslValidator from 'asl-validator';

const OPTIONS = { checkPaths: true, checkArn: true } as const;

/** The `ajv` module asl-validator itself loads (it reads `.default` at each call). */
const ajvModule = createRequire(createRequire(import.meta.url).resolve('asl-validator'))('ajv') as { default: new (options: object) => object };

export interface AslResult {
  readonly isValid: boolean;
  readonly errors: string;
}

/** asl-validator's verdict on each definition, in order (definitions are not modified). */
export function checkDefinitions(definitions: readonly unknown[]): AslResult[] {
  const Original = ajvModule.default;
  let first: object | undefined;
  let reused: object | undefined;
  // Called with `new`: returning an object makes it the instance.
  function SharedAjv(options: object): object {
    if (!first) {
      first = new Original(options);
      return first;
    }
    reused ??= new Proxy(first, {
      get(target, property, receiver) {
        // Registered on the first instance already, with the same functions' equivalents.
        if (property === 'addFormat' || property === 'addKeyword') return () => receiver;
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return reused;
  }
  ajvModule.default = SharedAjv as unknown as typeof Original;
  try {
    return definitions.map((definition) => {
      // asl-validator fills in each state's QueryLanguage: give it a copy.
      const { isValid, errorsText } = aslValidator(structuredClone(definition) as never, OPTIONS);
      return { isValid, errors: isValid ? '' : errorsText() };
    });
  } finally {
    ajvModule.default = Original;
  }
}
