// Settings the topology script and docker-compose.yml share (test/app/compose-topology.test.ts
// checks the compose file against them).
export const NAMESPACE = 'default';
export const TASK_QUEUE = 'rampart';
/** How long Temporal keeps a closed workflow's history (`--retention 720h` in docker-compose.yml). */
export const RETENTION_DAYS = 30;
