/** Errors the incident service raises; the API maps them to HTTP statuses. */
export class IncidentNotFoundError extends Error {
  readonly status = 404;
}

/** The workflow refused the action (wrong state, bad argument...). */
export class IncidentActionRejectedError extends Error {
  readonly status = 409;
}
