// The one place workflow code reads the time. Inside Temporal's workflow
// sandbox `Date` is replaced by the deterministic time of the current workflow
// task, so this is replay-safe; everything else asks here.
export function nowMs(): number {
  return Date.now();
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
