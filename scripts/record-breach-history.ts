// Records the history of a complete breach notification (customers, a notice
// missing an element then fixed, ladder reminders, approval, a transient send
// failure, a rejected address corrected, the authority notified) on the
// time-skipping server, for the replay test. Re-record only on purpose.
//   npx tsx scripts/record-breach-history.ts [out.json]
import type { SendBreachNoticeInput, SendBreachNoticeResult } from '../src/domain/breach';
import { loadPolicy } from '../src/policy/load';
import { breachNotificationWorkflow } from '../src/workflows/breach/breach-notification-workflow';
import * as msg from '../src/workflows/breach/messages';
import { RECORD_TASK_QUEUE, recordHistory } from './history-recorder';

const HOUR = 3_600_000;
const notice = {
  nature: 'A storage bucket holding invoice exports was publicly readable for two days.',
  impact: 'Names, billing addresses and invoice amounts could have been read.',
  mitigation: 'The bucket was made private and exports now expire after one hour.',
  contact: 'Dana Privacy, DPO: dpo@example.com',
};

let failedOnce = false;
async function sendBreachNotice(input: SendBreachNoticeInput): Promise<SendBreachNoticeResult> {
  if (input.email.startsWith('bad@')) return { status: 'rejected', error: '550 5.1.1 Mailbox unavailable' };
  if (!failedOnce) {
    failedOnce = true;
    throw new Error('mail not sent (ECONNECTION): connection refused');
  }
  return { status: 'sent', messageId: `<${input.key.length}@rampart.breach>`, smtpResponse: '250 OK', sentAt: new Date().toISOString() };
}
const activities = { recordBreachEvent: async () => undefined, deliverNotification: async () => undefined, sendBreachNotice };

recordHistory('test/fixtures/breach-history.json', activities, async (env) => {
  const incidentId = 'INC-20261122-bhist';
  const handle = await env.client.workflow.start(breachNotificationWorkflow, {
    workflowId: msg.breachWorkflowId(incidentId),
    taskQueue: RECORD_TASK_QUEUE,
    args: [
      { incidentId, incidentTitle: 'Replay fixture', verifiedAt: new Date(await env.currentTimeMs()).toISOString(), verifiedBy: 'U-dpo' },
      { ...loadPolicy().breach, officers: ['U-dpo'] },
    ],
  });
  const customers = [
    { name: 'Acme GmbH', contacts: ['it@acme.example', 'bad@acme.example'], dataAffected: 'invoices' },
    { name: 'Globex', contacts: ['privacy@globex.example'], dataAffected: 'billing addresses' },
  ];
  await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U-bob', customers }] });
  await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U-bob', notice: { ...notice, impact: 'tbd' } }] });
  await env.sleep(13 * HOUR); // the first ladder reminder
  await handle.executeUpdate(msg.requestChangesUpdate, { args: [{ actor: 'U-dpo', comment: 'state the impact' }] });
  await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U-bob', notice }] });
  await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U-dpo' }] });
  for (let i = 0; i < 6; i++) await env.sleep(10 * 60_000); // the failed send is retried
  await handle.executeUpdate(msg.correctContactUpdate, {
    args: [{ actor: 'U-dpo', customerId: 'C1', email: 'bad@acme.example', newEmail: 'security@acme.example' }],
  });
  await env.sleep(10 * 60_000);
  await handle.executeUpdate(msg.authorityNotifiedUpdate, { args: [{ actor: 'U-dpo', reference: 'ICO-1' }] });
  const state = await handle.result();
  if (state.status !== 'sent') throw new Error(`recorded run did not finish sending: ${state.status}`);
  return handle;
});
