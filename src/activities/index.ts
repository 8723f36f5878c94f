import type { Db } from '../db/client';
import type { IncidentActivities } from '../workflows/incident/activities-contract';
import { createIncidentRecordActivities } from './incident-records';
import { createNotificationActivities } from './notifications';
import type { Notifier } from './notifiers/notifier';

export interface ActivityDeps {
  db: Db;
  notifiers: readonly Notifier[];
}

/** All activities, built from their dependencies (injected, so tests can swap them). */
export function createActivities(deps: ActivityDeps): IncidentActivities {
  return {
    ...createIncidentRecordActivities(deps.db),
    ...createNotificationActivities(deps.notifiers),
  };
}
