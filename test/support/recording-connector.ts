import type { Connector } from '../../src/activities/connectors/connector';
import type { IncidentNotification } from '../../src/domain/notification';
import type { RecordIncidentEventInput } from '../../src/workflows/incident/activities-contract';

/** A connector that keeps what it was given. */
export class RecordingConnector implements Connector {
  readonly name = 'recording';
  readonly delivered: IncidentNotification[] = [];
  readonly events: RecordIncidentEventInput[] = [];
  async deliver(n: IncidentNotification): Promise<void> {
    this.delivered.push(n);
  }
  async onIncidentEvent(e: RecordIncidentEventInput): Promise<void> {
    this.events.push(e);
  }
}
