// Who may direct an incident (change severity, resolve, close): its commander
// and the policy's incident-response group; anyone when the policy names none.
// Shared by the workflow's update validators and the Slack bot.
export function mayDirectIncident(responders: readonly string[], commander: string | undefined, actor: string): boolean {
  return responders.length === 0 || responders.includes(actor) || commander === actor;
}
