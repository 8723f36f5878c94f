import type { Db } from '../db/client';
import type { IncidentActivities } from '../workflows/incident/activities-contract';
import { createConnectorActivities } from './connector-activities';
import type { Connector } from './connectors/connector';
import { createIncidentRecordActivities } from './incident-records';

export interface ActivityDeps {
  db: Db;
  connectors: readonly Connector[];
}

/** All activities, built from their dependencies (injected, so tests can swap them). */
export function createActivities(deps: ActivityDeps): IncidentActivities {
  return {
    ...createIncidentRecordActivities(deps.db),
    ...createConnectorActivities(deps.connectors),
  };
}
