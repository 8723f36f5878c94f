// How big a workflow's history is, over every run of a continued-as-new chain:
// events per run and the largest single event (its payloads included), as the
// server stores them (protobuf-encoded). Also used by bench/.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface HistorySize {
  runs: number;
  /** Events of each run, newest run first. */
  eventsPerRun: number[];
  largestEventBytes: number;
  largestEventType: string;
  totalBytes: number;
}

export async function measureHistory(client: Client, workflowId: string): Promise<HistorySize> {
  const size: HistorySize = { runs: 0, eventsPerRun: [], largestEventBytes: 0, largestEventType: '', totalBytes: 0 };
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    size.runs += 1;
    size.eventsPerRun.push(events.length);
    for (const event of events) {
      const bytes = temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
      size.totalBytes += bytes;
      if (bytes > size.largestEventBytes) {
        size.largestEventBytes = bytes;
        size.largestEventType = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
      }
    }
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return size;
  }
}
