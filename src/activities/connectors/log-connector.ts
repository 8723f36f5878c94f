import type { IncidentNotification } from '../../domain/notification';
import type { Connector } from './connector';

/**
 * Writes one structured line per notification. The text stays out of the log
 * (titles can name customers); it is in the incident timeline instead.
 */
export class LogConnector implements Connector {
  readonly name = 'log';
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async deliver(n: IncidentNotification): Promise<void> {
    this.write(JSON.stringify({ msg: 'notification', kind: n.kind, incidentId: n.incidentId, audience: n.audience, eventId: n.eventId }));
  }
}
