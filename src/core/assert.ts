/**
 * Exhaustiveness check for discriminated unions: call it in the `default` branch of a `switch` over a
 * union's tag. It fails to compile when a case is missing, and throws at run time if an unknown value
 * arrives anyway (e.g. a message from a newer worker).
 */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(x)}`);
}
