// The benchmark's workflow bundle: Rampart's workflows plus a no-op baseline.
export * from '../src/workflows';

export async function noopWorkflow(): Promise<void> {
  // Intentionally empty: measures the server's and worker's floor.
}
