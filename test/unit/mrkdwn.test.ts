// Text from people and other systems cannot ping a channel or hide a link when
// Rampart posts it to Slack; mentions and plain links Slack itself sent stay.
import { safeMrkdwn } from '../../src/slack/mrkdwn';

test('broadcasts, group pings, stray brackets and ampersands are escaped as Slack escapes them', () => {
  expect(safeMrkdwn('<!channel> deploy now <!here> <!everyone>')).toBe('&lt;!channel&gt; deploy now &lt;!here&gt; &lt;!everyone&gt;');
  expect(safeMrkdwn('<!subteam^S123|@oncall> look')).toBe('&lt;!subteam^S123|@oncall&gt; look');
  expect(safeMrkdwn('p99 < 300 ms && errors > 5%')).toBe('p99 &lt; 300 ms &amp;&amp; errors &gt; 5%');
  expect(safeMrkdwn('Acme <it@acme.example>')).toBe('Acme &lt;it@acme.example&gt;');
  expect(safeMrkdwn('<javascript:alert(1)|click>')).toBe('&lt;javascript:alert(1)|click&gt;');
  // A link may not hide behind other words: it shows its own address.
  expect(safeMrkdwn('<https://evil.example/login|https://sso.example.com>')).toBe('&lt;https://evil.example/login|https://sso.example.com&gt;');
});

test('mentions, channel links, plain links and date tokens stay; text Slack already escaped is not escaped twice', () => {
  const fromSlack = 'Pinned: <@U0ALICE> see <#C0INC|inc-42> and <https://grafana.example/d/1>; a &lt; b &amp; c';
  expect(safeMrkdwn(fromSlack)).toBe(fromSlack);
  expect(safeMrkdwn('due <!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>')).toBe('due <!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>');
  expect(safeMrkdwn('<mailto:dpo@example.com>')).toBe('<mailto:dpo@example.com>');
});
