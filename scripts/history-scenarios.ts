// What scripts/record-histories.ts records: one incident through its whole
// lifecycle, and one incident whose verified breach runs as its child, through
// every clock of the breach. Each step is something an operator, Slack, the API
// or Alertmanager does in production, in the way they do it.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { BreachService } from '../src/breach/breach-service';
import { MailRejectedError, type Mailer } from '../src/mail/mailer';
import type { IncidentWorkflowPolicy } from '../src/policy/schema';
import * as breach from '../src/workflows/breach/messages';
import { breachNotificationWorkflowV2 } from '../src/workflows/breach/breach-notification-workflow-v2';
import { incidentWorkflow } from '../src/workflows/incident/incident-workflow';
import * as incident from '../src/workflows/incident/messages';
import type { DeclareIncidentInput } from '../src/workflows/incident/messages';
import { waitFor, waitForWorkflow, type Scenario, type ScenarioContext } from './history-recorder';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function incidentPolicy(ctx: ScenarioContext): IncidentWorkflowPolicy {
  // As src/app/stack.ts starts incidents, with one named officer so officer checks run.
  return { ...ctx.policy.incident, breach: { ...ctx.policy.breach, officers: ['U-dpo'] } };
}

/** Opened by Alertmanager; escalated through the whole chain; fought, resolved, chased, closed. */
export function incidentLifecycle(id: string): Scenario {
  return {
    name: 'incident lifecycle',
    async run(ctx) {
      const { env, client } = ctx;
      // As IncidentService.receiveAlert starts it (no declaration update).
      const handle = await client.workflow.start(incidentWorkflow, {
        workflowId: id,
        taskQueue: ctx.taskQueue,
        args: [
          { id, title: 'Checkout returns 500', summary: 'HTTP 5xx ratio above 5%', severity: 'SEV2', declaredBy: 'alertmanager', source: 'alertmanager', dedupKey: 'alertmanager:replay' },
          incidentPolicy(ctx),
        ],
      });
      await handle.signal(incident.alertSignal, { status: 'firing', summary: 'HTTP 5xx ratio above 5% (still firing)' });
      await env.sleep(95 * MINUTE); // SEV2: missed at 30, 60 and 90 min: on-call, lead, executive
      await handle.executeUpdate(incident.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
      await handle.executeUpdate(incident.assignRoleUpdate, { args: [{ actor: 'U-bob', role: 'scribe', userId: 'U-carol' }] });
      await handle.signal(incident.addNoteSignal, { actor: 'U-carol', text: 'pinned: error graph', key: 'C1:1700000000.000100' });
      await env.sleep(3 * HOUR); // hourly status reminders
      await handle.executeUpdate(incident.postStatusUpdate, { args: [{ actor: 'U-bob', text: 'Rolling back the release' }] });
      await handle.executeUpdate(incident.setSeverityUpdate, { args: [{ actor: 'U-bob', severity: 'SEV1', reason: 'all regions' }] });
      await handle.executeUpdate(incident.mitigateUpdate, { args: [{ actor: 'U-bob', note: 'rolled back' }] });
      await handle.signal(incident.alertSignal, { status: 'resolved', summary: 'HTTP 5xx ratio back to normal' });
      await handle.executeUpdate(incident.resolveUpdate, { args: [{ actor: 'U-bob' }] });
      await env.sleep(10 * DAY); // postmortem due soon, due, then overdue daily
      await handle.executeUpdate(incident.addActionUpdate, { args: [{ actor: 'U-bob', title: 'Alert on 5xx per region', owner: 'U-carol' }] });
      await handle.executeUpdate(incident.completePostmortemUpdate, { args: [{ actor: 'U-bob', document: '# Postmortem\n\nRollback.' }] });
      await handle.executeUpdate(incident.completeActionUpdate, { args: [{ actor: 'U-carol', actionId: 'A1' }] });
      await handle.executeUpdate(incident.closeUpdate, { args: [{ actor: 'U-bob' }] });
      const state = await handle.result();
      if (state.escalations !== 3 || state.postmortemReminders < 3) {
        throw new Error(`recorded incident lacks its timers: ${state.escalations} escalations, ${state.postmortemReminders} postmortem reminders`);
      }
      return [id];
    },
  };
}

const NOTICE = {
  nature: 'A storage bucket holding invoice exports was publicly readable for two days.',
  impact: 'Names, billing addresses and invoice amounts could have been read.',
  mitigation: 'The bucket was made private and exports now expire after one hour.',
  contact: 'Dana Privacy, DPO: dpo@example.com',
};
const REFUSED = 'bad@acme.example';
const FAILS_ONCE = 'privacy@globex.example';

/** The outbox, except that one address is refused (5xx) and one send fails once as if the server were down. */
function scriptedMailer(outbox: Mailer): Mailer {
  let failed = false;
  return {
    async send(message, recordAccepted) {
      if (message.to === REFUSED) {
        throw new MailRejectedError({ code: 'EENVELOPE', response: '550 5.1.1 Recipient address rejected', responseCode: 550 });
      }
      if (message.to === FAILS_ONCE && !failed) {
        failed = true;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' });
      }
      return outbox.send(message, recordAccepted);
    },
    close: () => outbox.close(),
  };
}

/**
 * Declared through the API, suspected and verified: the breach starts as the
 * incident's child. The notice misses its 24 hours (ladder, miss, hourly after),
 * is approved late, one send fails once, one address is refused and corrected;
 * the authority is reminded, then notified. The incident hears of the approval,
 * the miss and the last delivery, then is resolved and closed.
 */
export function breachAsChild(id: string): Scenario {
  return {
    name: 'incident with a breach',
    mailer: scriptedMailer,
    async run(ctx) {
      const { env, client } = ctx;
      const breachId = breach.breachWorkflowId(id);
      const handle = await breachVerified(ctx, id);
      await waitForWorkflow(client, breachId);
      const child = client.workflow.getHandle(breachId);

      const customers = [
        { name: 'Acme GmbH', contacts: ['it@acme.example', REFUSED], dataAffected: 'invoices' },
        { name: 'Globex', contacts: [FAILS_ONCE], dataAffected: 'billing addresses' },
      ];
      await child.executeUpdate(breach.setCustomersUpdate, { args: [{ actor: 'U-alice', customers }] });
      await child.executeUpdate(breach.setNoticeUpdate, { args: [{ actor: 'U-alice', notice: { ...NOTICE, impact: 'tbd' } }] });
      await env.sleep(13 * HOUR); // ladder: 12 h
      await child.executeUpdate(breach.requestChangesUpdate, { args: [{ actor: 'U-dpo', comment: 'state the likely impact' }] });
      await child.executeUpdate(breach.setNoticeUpdate, { args: [{ actor: 'U-alice', notice: NOTICE }] });
      await env.sleep(14 * HOUR + 30 * MINUTE); // ladder 18, 22, 23 h; missed at 24 h; authority 24 h; after-miss 25, 26, 27 h
      await child.executeUpdate(breach.approveUpdate, { args: [{ actor: 'U-dpo' }] });
      const deliveries = async (want: Record<string, string>) => {
        const { deliveries: now } = await child.query(breach.breachStateQuery);
        return Object.entries(want).every(([email, status]) => now.some((d) => d.email === email && d.status === status && (status !== 'pending' || Boolean(d.error))));
      };
      await waitFor('the first sends', () => deliveries({ 'it@acme.example': 'sent', [REFUSED]: 'rejected', [FAILS_ONCE]: 'pending' }));
      await env.sleep(40 * MINUTE); // the failed send is retried after 30 s; after-miss 28 h (one address still refused)
      await waitFor('the retried send', () => deliveries({ [FAILS_ONCE]: 'sent' }));
      await child.executeUpdate(breach.correctContactUpdate, {
        args: [{ actor: 'U-dpo', customerId: 'C1', email: REFUSED, newEmail: 'security@acme.example' }],
      });
      await waitFor('the corrected send', () => deliveries({ 'security@acme.example': 'sent' }));
      await env.sleep(21 * HOUR); // authority reminder at 48 h
      await child.executeUpdate(breach.authorityNotifiedUpdate, { args: [{ actor: 'U-dpo', reference: 'ICO-1' }] });
      // Not result(): waiting on it lets the server skip ahead to the incident's next reminder.
      await waitFor('the breach to finish', async () => (await child.describe()).status.name === 'COMPLETED');
      const notified = await child.query(breach.breachStateQuery);
      if (notified.status !== 'sent' || !notified.missedAt || notified.afterMissReminders < 3 || notified.authority.remindersSent < 2) {
        throw new Error(`recorded breach lacks its clocks: ${JSON.stringify({ status: notified.status, missedAt: notified.missedAt, afterMiss: notified.afterMissReminders, authority: notified.authority })}`);
      }

      await closedAfterDelivery(handle);
      return [id, breachId];
    },
  };
}

/**
 * The same breach as breachAsChild on the v2 workflow (patch 'breach-v2'): the
 * customer list goes through the service into PostgreSQL, the workflow gets its
 * revision; approval opens the deliveries, sending goes a page at a time.
 */
export function breachV2AsChild(id: string): Scenario {
  return {
    name: 'incident with a v2 breach',
    mailer: scriptedMailer,
    async run(ctx) {
      const { env, client } = ctx;
      const breachId = breach.breachWorkflowId(id);
      const breaches = new BreachService({ client, db: ctx.db });
      const handle = await breachVerified(ctx, id);
      await waitForWorkflow(client, breachId);
      const child = client.workflow.getHandle(breachId);

      const customers = [
        { name: 'Acme GmbH', contacts: ['it@acme.example', REFUSED], dataAffected: 'invoices' },
        { name: 'Globex', contacts: [FAILS_ONCE], dataAffected: 'billing addresses' },
      ];
      await breaches.setCustomers(breachId, { actor: 'U-alice', customers });
      await breaches.setNotice(breachId, { actor: 'U-alice', notice: { ...NOTICE, impact: 'tbd' } });
      await env.sleep(13 * HOUR); // ladder: 12 h
      await breaches.requestChanges(breachId, { actor: 'U-dpo', comment: 'state the likely impact' });
      await breaches.setNotice(breachId, { actor: 'U-alice', notice: NOTICE });
      await env.sleep(14 * HOUR + 30 * MINUTE); // ladder 18, 22, 23 h; missed at 24 h; authority 24 h; after-miss 25, 26, 27 h
      await breaches.approve(breachId, { actor: 'U-dpo' });
      const deliveries = async (want: Record<string, string>) => {
        const { deliveries: now } = await breaches.get(breachId);
        return Object.entries(want).every(([email, status]) => now.some((d) => d.email === email && d.status === status));
      };
      await waitFor('the sends', () => deliveries({ 'it@acme.example': 'sent', [REFUSED]: 'rejected', [FAILS_ONCE]: 'sent' }));
      await env.sleep(40 * MINUTE); // after-miss 28 h (one address still refused)
      await breaches.correctContact(breachId, { actor: 'U-dpo', customerId: 'C1', email: REFUSED, newEmail: 'security@acme.example' });
      await waitFor('the corrected send', () => deliveries({ 'security@acme.example': 'sent' }));
      await env.sleep(21 * HOUR); // authority reminder at 48 h
      await breaches.authorityNotified(breachId, { actor: 'U-dpo', reference: 'ICO-1' });
      await waitFor('the breach to finish', async () => (await child.describe()).status.name === 'COMPLETED');
      const notified = await breaches.get(breachId);
      if (notified.status !== 'sent' || !notified.missedAt || notified.afterMissReminders < 3 || notified.authority.remindersSent < 2) {
        throw new Error(`recorded breach lacks its clocks: ${JSON.stringify({ status: notified.status, missedAt: notified.missedAt, afterMiss: notified.afterMissReminders, authority: notified.authority })}`);
      }

      await closedAfterDelivery(handle);
      return [id, breachId];
    },
  };
}

/**
 * An incident that continues-as-new (threshold set low) while updates and notes
 * arrive side by side, some while a run hands over: every run is written, so a
 * change to what a run hands to the next, or how, must replay against a real
 * hand-over. Recorded on the dev server (the production server): the
 * time-skipping test server orders an update and a signal that arrive in one
 * workflow task differently when live than a replay does (6 of 12 such histories
 * failed to replay in a trial; 0 of 12 from the dev server), so a history of it
 * could fail replay for reasons production never meets.
 */
export function incidentContinuedAsNew(id: string): Scenario {
  return {
    name: 'incident continuing-as-new',
    server: 'dev',
    allRuns: true,
    async run(ctx) {
      const { client } = ctx;
      const handle = await declared(ctx, { id, title: 'Queue backlog', severity: 'SEV3', declaredBy: 'U-alice' }, { ...incidentPolicy(ctx), continueAsNewAfterEvents: 60 });
      await handle.executeUpdate(incident.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
      for (let round = 1; round <= 6; round += 1) {
        await Promise.all([
          handle.executeUpdate(incident.postStatusUpdate, { args: [{ actor: 'U-bob', text: `Draining, round ${round}` }] }),
          handle.signal(incident.addNoteSignal, { actor: 'U-carol', text: `note ${round}`, key: `C1:17000000${round}.000100` }),
          handle.executeUpdate(incident.assignRoleUpdate, { args: [{ actor: 'U-bob', role: 'scribe', userId: round % 2 ? 'U-carol' : 'U-dave' }] }),
        ]);
        // A quiet moment (real time), in which a run past its threshold hands over.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      await handle.executeUpdate(incident.resolveUpdate, { args: [{ actor: 'U-bob', note: 'backlog drained' }] });
      await handle.executeUpdate(incident.completePostmortemUpdate, { args: [{ actor: 'U-bob', document: '# Postmortem\n\nBacklog.' }] });
      await handle.executeUpdate(incident.closeUpdate, { args: [{ actor: 'U-bob' }] });
      const closed = await handle.result();
      if (!(await continuedFromEarlierRun(client, id))) throw new Error('the incident did not continue-as-new');
      const notes = closed.noteKeys?.length ?? 0;
      if (notes !== 6) throw new Error(`the incident kept ${notes} note keys, not 6`);
      return [id];
    },
  };
}

/** A v2 breach (on its own: a child takes the default threshold) that continues-as-new through its clocks past the miss. */
export function breachContinuedAsNew(incidentId: string): Scenario {
  return {
    name: 'breach continuing-as-new',
    allRuns: true,
    async run(ctx) {
      const { env, client } = ctx;
      const breachId = breach.breachWorkflowId(incidentId);
      await ctx.db.incident.create({ data: { id: incidentId, title: 'Export bucket public', severity: 'SEV2', declaredBy: 'U-alice', declaredAt: new Date(await env.currentTimeMs()) } });
      const t0 = new Date(await env.currentTimeMs()).toISOString();
      await client.workflow.start(breachNotificationWorkflowV2, {
        workflowId: breachId,
        taskQueue: ctx.taskQueue,
        args: [{ incidentId, incidentTitle: 'Export bucket public', verifiedAt: t0, verifiedBy: 'U-dpo' }, { ...ctx.policy.breach, officers: ['U-dpo'] }, { continueAsNewAfterEvents: 60 }],
      });
      const breaches = new BreachService({ client, db: ctx.db });
      await breaches.setCustomers(breachId, { actor: 'U-alice', customers: [{ name: 'Acme GmbH', contacts: ['it@acme.example', 'ceo@acme.example'], dataAffected: 'invoices' }] });
      await breaches.setNotice(breachId, { actor: 'U-alice', notice: NOTICE });
      await env.sleep(30 * HOUR); // ladder, the miss at 24 h, hourly after-miss reminders, the first GDPR reminder
      await breaches.approve(breachId, { actor: 'U-dpo' });
      await waitFor('the sends', async () => (await breaches.get(breachId)).status === 'sent');
      await breaches.authorityNotified(breachId, { actor: 'U-dpo', reference: 'ICO-2' });
      await waitFor('the breach to finish', async () => (await client.workflow.getHandle(breachId).describe()).status.name === 'COMPLETED');
      const done = await breaches.get(breachId);
      if (!(await continuedFromEarlierRun(client, breachId)) || done.afterMissReminders < 3) {
        throw new Error(`the breach did not continue-as-new with its clocks: ${JSON.stringify({ afterMiss: done.afterMissReminders })}`);
      }
      return [breachId];
    },
  };
}

/** Whether the workflow's last run was continued from an earlier one. */
async function continuedFromEarlierRun(client: Client, workflowId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return Boolean(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
}

/** Declared as IncidentService.declare starts it (update-with-start). */
async function declared(ctx: ScenarioContext, input: DeclareIncidentInput, policy: IncidentWorkflowPolicy = incidentPolicy(ctx)) {
  await ctx.client.workflow.executeUpdateWithStart(incident.declarationUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation(incidentWorkflow, {
      workflowId: input.id,
      taskQueue: ctx.taskQueue,
      args: [input, policy],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
  return ctx.client.workflow.getHandle<typeof incidentWorkflow>(input.id);
}

/** An incident with personal data: declared, acknowledged, a breach suspected and verified (T0). */
async function breachVerified(ctx: ScenarioContext, id: string) {
  const handle = await declared(ctx, { id, title: 'Invoice exports public', severity: 'SEV3', declaredBy: 'U-alice', personalData: true });
  await handle.executeUpdate(incident.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
  await handle.executeUpdate(incident.suspectBreachUpdate, { args: [{ actor: 'U-alice' }] });
  await handle.executeUpdate(incident.verifyBreachUpdate, { args: [{ actor: 'U-dpo' }] });
  return handle;
}

/** Resolved, postmortem complete, closed; by then the incident must have heard that every notice went out. */
async function closedAfterDelivery(handle: Awaited<ReturnType<typeof declared>>): Promise<void> {
  await handle.executeUpdate(incident.resolveUpdate, { args: [{ actor: 'U-bob', note: 'bucket private' }] });
  await handle.executeUpdate(incident.completePostmortemUpdate, { args: [{ actor: 'U-bob', document: '# Postmortem\n\nPublic bucket.' }] });
  await handle.executeUpdate(incident.closeUpdate, { args: [{ actor: 'U-bob' }] });
  const closed = await handle.result();
  if (closed.breach?.progress?.stage !== 'delivered') throw new Error(`the incident was not told of the delivery: ${JSON.stringify(closed.breach)}`);
}
