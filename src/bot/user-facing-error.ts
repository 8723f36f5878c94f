/** An error whose message is meant for the person who asked: shown to them as is. */
export class UserFacingError extends Error {}
