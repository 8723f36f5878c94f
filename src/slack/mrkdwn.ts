// Text from people and other systems (API callers, Alertmanager annotations,
// CSV files, the notice) goes into Slack's mrkdwn, where `<!channel>` pings a
// whole channel, `<!subteam^…>` a group and `<https://…|text>` hides a link
// behind any words. safeMrkdwn escapes every `&`, `<` and `>` (Slack's own
// escaping) except the few forms that only point at something: a user or
// channel mention, a bare http(s)/mailto link and Slack's date token. Text that
// came from Slack keeps its mentions; nothing can ping everyone or disguise a link.

/**
 * `<@U…>` and `<#C…>` (with the name Slack adds), `<!date^…|fallback>`, and a
 * bare `<https://…>` / `<mailto:…>`: a link shows its own address, never a label.
 */
const POINTERS = /^<(?:(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^[^<>|]*)(?:\|[^<>]*)?|(?:https?|mailto):[^\s<>|]+)>$/;

export function safeMrkdwn(text: string): string {
  return text
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replace(/<[^<>]*>|[<>]/g, (token) => (token.length > 1 && POINTERS.test(token) ? token : token.replace(/</g, '&lt;').replace(/>/g, '&gt;')));
}
