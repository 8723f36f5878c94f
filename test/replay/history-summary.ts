// What a recorded history contains, in the workflow's own words (timeline kinds,
// notification kinds, messages, patches), so the replay test can insist that a
// history still covers what it was recorded for.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const HISTORIES_DIR = path.join(__dirname, '../histories');

export interface RecordedHistory {
  /** `<release>/<workflowId>.json`, e.g. `2026-12-01/INC-20261201-hist.json`. */
  name: string;
  workflowId: string;
  /** As written by historyToJSON; Worker.runReplayHistory takes it as is. */
  json: { events: HistoryEvent[] };
}

/** Every `test/histories/<release>/*.json`, oldest release first. */
export function recordedHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((release) =>
      readdirSync(path.join(HISTORIES_DIR, release))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => ({
          name: `${release}/${file}`,
          // `<id>.run<n>.json`: one run of a workflow that continued-as-new.
          workflowId: file.replace(/(\.run\d+)?\.json$/, ''),
          json: JSON.parse(readFileSync(path.join(HISTORIES_DIR, release, file), 'utf8')) as { events: HistoryEvent[] },
        })),
    );
}

interface Payloads {
  payloads?: { data?: string }[];
}

/** The few event attributes the summary reads; the rest of each event is left alone. */
export interface HistoryEvent {
  eventId: string;
  eventType: string;
  workflowExecutionStartedEventAttributes?: { workflowType: { name: string }; parentWorkflowExecution?: { workflowId: string }; continuedExecutionRunId?: string };
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } };
  workflowExecutionSignaledEventAttributes?: { signalName: string };
  signalExternalWorkflowExecutionInitiatedEventAttributes?: { signalName: string; workflowExecution: { workflowId: string } };
  startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId: string; workflowType: { name: string } };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; input?: Payloads };
  activityTaskFailedEventAttributes?: { scheduledEventId: string };
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, Payloads> };
}

export interface HistorySummary {
  workflowType: string;
  /** The workflow that started this one as its child, if any. */
  parent?: string;
  completed: boolean;
  /** This run ended by continuing-as-new. */
  continuedAsNew: boolean;
  /** This run was continued from an earlier one. */
  continuedFromEarlierRun: boolean;
  updates: Record<string, number>;
  signalsReceived: Record<string, number>;
  /** `<signal> -> <workflowId>` sent to another workflow. */
  signalsSent: Record<string, number>;
  /** `<workflowType> <workflowId>` started as a child. */
  childrenStarted: string[];
  /** Ids of the patch markers: present means the patched branch ran. */
  patches: string[];
  timersFired: number;
  activities: Record<string, number>;
  failedActivities: Record<string, number>;
  /** Timeline kinds written through recordIncidentEvent / recordBreachEvent. */
  recorded: Record<string, number>;
  /** Kinds of the reminders and escalations sent through deliverNotification. */
  notified: Record<string, number>;
  /** Who each acknowledgement escalation went to, in order (besides the incident channel). */
  escalatedTo: string[];
}

function decode(payloads: Payloads | undefined): unknown {
  const data = payloads?.payloads?.[0]?.data;
  return data === undefined ? undefined : JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

export function summarize(history: { events: HistoryEvent[] }): HistorySummary {
  const started = history.events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('a history starts with WorkflowExecutionStarted');
  const s: HistorySummary = {
    workflowType: started.workflowType.name,
    parent: started.parentWorkflowExecution?.workflowId,
    completed: false,
    continuedAsNew: false,
    continuedFromEarlierRun: false,
    updates: {},
    signalsReceived: {},
    signalsSent: {},
    childrenStarted: [],
    patches: [],
    timersFired: 0,
    activities: {},
    failedActivities: {},
    recorded: {},
    notified: {},
    escalatedTo: [],
  };
  const activityNames = new Map<string, string>();
  for (const e of history.events) {
    if (e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED') s.completed = true;
    if (e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW') s.continuedAsNew = true;
    if (e.workflowExecutionStartedEventAttributes?.continuedExecutionRunId) s.continuedFromEarlierRun = true;
    if (e.eventType === 'EVENT_TYPE_TIMER_FIRED') s.timersFired += 1;
    const failed = e.activityTaskFailedEventAttributes;
    if (failed) count(s.failedActivities, activityNames.get(failed.scheduledEventId) ?? 'unknown');
    const update = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (update) count(s.updates, update.acceptedRequest.input.name);
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal) count(s.signalsReceived, signal.signalName);
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (sent) count(s.signalsSent, `${sent.signalName} -> ${sent.workflowExecution.workflowId}`);
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) s.childrenStarted.push(`${child.workflowType.name} ${child.workflowId}`);
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_patch') s.patches.push((decode(marker.details?.['patch-data']) as { id: string }).id);
    const activity = e.activityTaskScheduledEventAttributes;
    if (activity) {
      const name = activity.activityType.name;
      activityNames.set(e.eventId, name);
      count(s.activities, name);
      const input = decode(activity.input) as { entry?: { kind: string }; kind?: string; audience?: string[] };
      if (name === 'recordIncidentEvent' || name === 'recordBreachEvent') count(s.recorded, input.entry?.kind ?? 'unknown');
      if (name === 'deliverNotification') {
        count(s.notified, input.kind ?? 'unknown');
        if (input.kind === 'ack_escalation') s.escalatedTo.push(...(input.audience ?? []).filter((a) => a !== 'incident-channel'));
      }
    }
  }
  return s;
}
