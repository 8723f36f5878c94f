// A breach verified on an incident runs as its child and reports back: the
// incident (and so its pinned summary) learns of the missed deadline and of the
// last notice delivered. Both workflows on the time-skipping server.
import { loadPolicy } from '../../src/policy/load';
import { incidentWorkflow } from '../../src/workflows/incident/incident-workflow';
import * as incidentMsg from '../../src/workflows/incident/messages';
import * as msg from '../../src/workflows/breach/messages';
import { RecordingActivities } from '../support/fake-activities';
import { affectedCustomers, breachHarnessPerFile, breachPolicy, completeNotice, HOUR, until } from '../support/breach-harness';

jest.setTimeout(240_000);
const harness = breachHarnessPerFile();

test('the incident hears of the missed deadline and of the last delivery', async () => {
  const h = harness();
  const acts = new RecordingActivities();
  const incidentActivities = { recordIncidentEvent: acts.recordIncidentEvent, publishIncidentEvent: acts.publishIncidentEvent };
  await h.withWorker(async (taskQueue) => {
    const id = 'INC-20261122-prog';
    await h.database.prisma.incident.create({ data: { id, title: 'Billing DB exposure', severity: 'SEV2', declaredBy: 'U0ALICE', declaredAt: new Date() } });
    h.track(id);
    h.track(msg.breachWorkflowId(id));
    const incident = await h.env.client.workflow.start(incidentWorkflow, {
      workflowId: id,
      taskQueue,
      args: [{ id, title: 'Billing DB exposure', severity: 'SEV2', declaredBy: 'U0ALICE' }, { ...loadPolicy().incident, breach: breachPolicy }],
    });
    await incident.executeUpdate(incidentMsg.suspectBreachUpdate, { args: [{ actor: 'U0BOB' }] });
    await incident.executeUpdate(incidentMsg.verifyBreachUpdate, { args: [{ actor: 'U0DPO' }] });
    const breach = h.env.client.workflow.getHandle(msg.breachWorkflowId(id));
    await until(async () => (await breach.describe().then(() => true).catch(() => undefined)));
    // The v2 breach takes its customers through the service (the list is stored, the workflow gets its revision).
    await h.service().setCustomers(breach.workflowId, { actor: 'U0BOB', customers: affectedCustomers('p', 1) });
    await breach.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: completeNotice }] });

    await h.env.sleep(24 * HOUR + 30 * 60_000);
    const missed = await until(async () => (await incident.query(incidentMsg.stateQuery)).breach?.progress);
    expect(missed).toMatchObject({ stage: 'missed', delivered: 0 });

    await breach.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    const delivered = await until(async () => {
      const p = (await incident.query(incidentMsg.stateQuery)).breach?.progress;
      return p?.stage === 'delivered' ? p : undefined;
    });
    expect(delivered).toMatchObject({ delivered: 2, total: 2, missedAt: expect.any(String) });
    expect(acts.entries('breach_progress').map((e) => e.text)).toEqual([
      'Breach notices: the deadline passed before the notice was approved',
      'Breach notice approved; sending to 2 contact(s)',
      'Breach notices: all 2 delivered',
    ]);
  }, incidentActivities);
});

test('a breach of that id that exists already is never started twice: the incident says so and goes on', async () => {
  const h = harness();
  const acts = new RecordingActivities();
  const incidentActivities = { recordIncidentEvent: acts.recordIncidentEvent, publishIncidentEvent: acts.publishIncidentEvent };
  await h.withWorker(async (taskQueue) => {
    const id = 'INC-20261122-twice';
    const breachId = msg.breachWorkflowId(id);
    await h.database.prisma.incident.create({ data: { id, title: 'Billing DB exposure', severity: 'SEV2', declaredBy: 'U0ALICE', declaredAt: new Date() } });
    h.track(id);
    h.track(breachId);
    // Something already runs under the breach's id (here a workflow nobody polls for).
    const squatter = await h.env.client.workflow.start('somethingElse', { workflowId: breachId, taskQueue: `${taskQueue}-nobody` });
    const incident = await h.env.client.workflow.start(incidentWorkflow, {
      workflowId: id,
      taskQueue,
      args: [{ id, title: 'Billing DB exposure', severity: 'SEV2', declaredBy: 'U0ALICE' }, { ...loadPolicy().incident, breach: breachPolicy }],
    });
    await incident.executeUpdate(incidentMsg.suspectBreachUpdate, { args: [{ actor: 'U0BOB' }] });
    await incident.executeUpdate(incidentMsg.verifyBreachUpdate, { args: [{ actor: 'U0DPO' }] });
    await until(async () => (acts.entries('breach_progress').length > 0 ? true : undefined));
    expect(acts.entries('breach_progress').map((e) => e.text)).toEqual([`Breach ${breachId} exists already; its clock goes on as it is (no second breach was started)`]);
    // The incident is alive and takes changes; the breach id still belongs to the first workflow.
    const after = await incident.executeUpdate(incidentMsg.postStatusUpdate, { args: [{ actor: 'U0BOB', text: 'Still here' }] });
    expect(after.lastStatusUpdateAt).toEqual(expect.any(String));
    expect(after.breach?.verifiedBy).toBe('U0DPO');
    expect((await h.env.client.workflow.getHandle(breachId).describe()).runId).toBe(squatter.firstExecutionRunId);
    await squatter.terminate('test over');
  }, incidentActivities);
});
