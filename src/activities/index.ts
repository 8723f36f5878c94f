import type { Db } from '../db/client';
import type { Mailer } from '../mail/mailer';
import type { BreachActivitiesV2 } from '../workflows/breach/activities-contract';
import type { IncidentActivities } from '../workflows/incident/activities-contract';
import { createBreachMailActivities } from './breach-mail';
import { createBreachNoticePageActivities } from './breach-mail-pages';
import { createBreachRecipientActivities } from './breach-recipients';
import { createBreachRecordActivities } from './breach-records';
import { createConnectorActivities } from './connector-activities';
import { createFallbackNotificationActivities } from './fallback-notifications';
import type { Connector } from './connectors/connector';
import { createIncidentRecordActivities } from './incident-records';

export interface ActivityDeps {
  db: Db;
  connectors: readonly Connector[];
  /**
   * Breach notices: how mail leaves, and who it is from; `fallbackTo`: where
   * notifications Slack could not take are emailed instead (none: only recorded).
   */
  mail: { mailer: Mailer; from: string; companyName: string; fallbackTo?: readonly string[] };
}

/** All activities, built from their dependencies (injected, so tests can swap them). */
export function createActivities(deps: ActivityDeps): IncidentActivities & BreachActivitiesV2 {
  return {
    ...createIncidentRecordActivities(deps.db),
    ...createConnectorActivities(deps.connectors),
    ...createBreachRecordActivities(deps.db),
    ...createBreachMailActivities({ db: deps.db, ...deps.mail }),
    ...createBreachNoticePageActivities({ db: deps.db, ...deps.mail }),
    ...createBreachRecipientActivities(deps.db),
    ...createFallbackNotificationActivities({ db: deps.db, mailer: deps.mail.mailer, from: deps.mail.from, to: deps.mail.fallbackTo ?? [] }),
  };
}
