/** asl-validator 4 ships no type declarations; this is the part Continuum uses. */
declare module 'asl-validator' {
  interface AslValidatorResult {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<{ readonly message?: string; readonly [key: string]: unknown }>;
    errorsText(separator?: string): string;
  }
  interface AslValidatorOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  /** Mutates its input: pass a clone. */
  export default function aslValidator(definition: object, options?: AslValidatorOptions): AslValidatorResult;
}
