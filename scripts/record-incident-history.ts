// Records the history of a complete incident (escalation, reminders over days,
// postmortem chase, close) on the time-skipping server, for the replay test.
// Re-record only on purpose: the committed history is what proves that a code
// change still replays workflows that were started before it.
//   npx tsx scripts/record-incident-history.ts [out.json]
import { loadPolicy } from '../src/policy/load';
import { incidentWorkflow } from '../src/workflows/incident/incident-workflow';
import * as msg from '../src/workflows/incident/messages';
import { RECORD_TASK_QUEUE, recordHistory } from './history-recorder';

const HOUR = 3_600_000;
const activities = {
  recordIncidentEvent: async () => undefined,
  publishIncidentEvent: async () => undefined,
  deliverNotification: async () => undefined,
};

recordHistory('test/fixtures/incident-history.json', activities, async (env) => {
  const id = 'INC-20261122-hist';
  const handle = await env.client.workflow.start(incidentWorkflow, {
    workflowId: id,
    taskQueue: RECORD_TASK_QUEUE,
    args: [{ id, title: 'Replay fixture', severity: 'SEV2', declaredBy: 'U-alice' }, loadPolicy().incident],
  });
  await env.sleep(45 * 60_000); // one missed acknowledgement
  await handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
  await handle.executeUpdate(msg.assignRoleUpdate, { args: [{ actor: 'U-bob', role: 'scribe', userId: 'U-carol' }] });
  await handle.signal(msg.addNoteSignal, { actor: 'U-carol', text: 'pinned graph' });
  await env.sleep(3 * HOUR); // status reminders
  await handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-bob', text: 'Mitigating' }] });
  await handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-bob', severity: 'SEV1' }] });
  await handle.executeUpdate(msg.mitigateUpdate, { args: [{ actor: 'U-bob' }] });
  await handle.executeUpdate(msg.resolveUpdate, { args: [{ actor: 'U-bob' }] });
  await env.sleep(10 * 24 * HOUR); // postmortem due soon, then overdue
  await handle.executeUpdate(msg.addActionUpdate, { args: [{ actor: 'U-bob', title: 'Add alert' }] });
  await handle.executeUpdate(msg.completePostmortemUpdate, { args: [{ actor: 'U-bob', document: '# PM' }] });
  await handle.executeUpdate(msg.completeActionUpdate, { args: [{ actor: 'U-bob', actionId: 'A1' }] });
  await handle.executeUpdate(msg.closeUpdate, { args: [{ actor: 'U-bob' }] });
  await handle.result();
  return handle;
});
