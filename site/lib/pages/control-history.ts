/**
 * The words of a control's operating history (components/ControlHistory.astro) and its
 * section of the control page's markdown twin, from the same history (site/lib/history.ts):
 * the sentences both print are made here once.
 */
import { changeKind, controlHistory, percent, span, STATE_WORD, type ControlHistory, type HistoryChange } from '../history.ts';
import { isoDate, isoMinute } from '../evidence.ts';
import { chart, code, facts, heading, link, list, para, strong, table } from '../twins/markdown.ts';

/** Status changes listed on the page; `trust history` lists the rest. */
export const MAX_LISTED = 20;

export const when = (iso: string) => isoMinute(new Date(iso));

const KIND_WORD = { first: '', up: ' (up)', down: ' (down)', stale: '' } as const;

export const changeText = (c: HistoryChange) =>
  `${c.from === null ? `first run, ${STATE_WORD[c.to]}` : `${STATE_WORD[c.from]} → ${STATE_WORD[c.to]}${KIND_WORD[changeKind(c)]}`}${c.derived ? `, ${c.derived}` : ''}; bundle ${c.bundleSha256.slice(0, 12)}, log entry ${c.leafIndex}${c.simulated ? ' [simulated]' : ''}`;

/** The timeline's text alternative and the sentence under it ('' when there is no timeline). */
export function historySummary(h: ControlHistory | undefined): string {
  const up90 = h?.windowUptime;
  if (!h || !h.drawable || !up90) return '';
  const n = h.timeline.changes.length;
  return `From ${isoDate(new Date(h.timeline.from))} to ${isoDate(new Date(h.timeline.to))}: ${up90.uptime === null ? 'no time observed' : `live with fresh evidence ${percent(up90.uptime)} of the observed time`}, ${up90.runs} runs${up90.failingRuns ? ` (${up90.failingRuns} failing)` : ''}, ${n} status change${n === 1 ? '' : 's'}; now ${STATE_WORD[h.state]}${h.currentStreak ? ` since ${when(h.currentStreak.since)}` : ''}.`;
}

export const timelineTitle = (h: ControlHistory, id: string) => `${h.timeline.days}-day timeline of ${id}`;

/** The history section of a control page's twin. */
export async function historyTwin(id: string): Promise<string[]> {
  const h = await controlHistory(id);
  const out = [heading(2, 'Operating history')];
  if (!h) return [...out, para('No run recorded in the transparency log has evaluated this control yet: its history starts with the next recorded run.')];
  if (h.simulatedRuns > 0)
    out.push(
      para(
        `${strong('Simulated history.')} ${h.simulatedRuns} of the ${h.runs} runs below were backdated by ${code('trust demo --history')} to demonstrate this page, and are marked simulated in the log: they were not observed on a platform.`,
      ),
    );
  const age = `maximum evidence age ${span(h.maxAgeSeconds)}`;
  if (h.runs === 1)
    out.push(
      facts([
        ['First verified', `on ${when(h.firstRun!.at)}, ${STATE_WORD[h.state]} (the only run in the log so far: uptime and a timeline appear once a later run is recorded)`],
        ['Runs', `1 in the log ${age}`],
      ]),
    );
  else {
    const streak = h.currentStreak;
    const now: [string, string] =
      h.firstLive === null
        ? ['Claimed', `${STATE_WORD[h.state]} in the latest run; never live in the log, so no uptime is measured`]
        : h.state === 'live' && streak
          ? ['Live since', `${when(streak.since)} ${streak.runs} run${streak.runs === 1 ? '' : 's'} in a row`]
          : ['Now', `${strong(STATE_WORD[h.state])}${streak ? ` since ${when(streak.since)}` : ''}`];
    const f = h.lastFailure;
    out.push(
      facts([
        now,
        ['First run', when(h.firstRun!.at)],
        ...(h.firstLive ? [['First live', when(h.firstLive.at)] as [string, string]] : []),
        ['Last failure', f ? `${when(f.at)} bundle ${code(`${f.bundleSha256.slice(0, 16)}…`)}, log entry ${f.leafIndex}` : 'none recorded'],
        ['Runs', `${h.runs} in the log${h.simulatedRuns > 0 ? `, ${h.simulatedRuns} of them simulated` : ''} ${age}`],
      ]),
    );
  }
  if (h.drawable && h.firstLive) {
    const summary = historySummary(h);
    out.push(
      heading(3, 'Uptime'),
      para("The share of each window, from the control's first run on, during which its claim was live with evidence younger than its maximum age."),
      table([
        ['Window', 'Uptime', 'Runs', 'Failing runs', 'Observed'],
        ...h.uptime.map((u) => [`${u.days} days`, u.uptime === null ? 'not measured' : percent(u.uptime), String(u.runs), String(u.failingRuns), span(u.observedSeconds)]),
      ]),
      ...chart(timelineTitle(h, id), summary),
      para(summary),
    );
    const inWindow = [...h.timeline.changes].reverse();
    if (inWindow.length > 0) {
      out.push(
        heading(3, `Status changes in the last ${h.timeline.days} days`),
        list(
          inWindow.slice(0, MAX_LISTED).map((c) => `${when(c.at)}: ${changeText(c)}`),
          true,
        ),
      );
      if (inWindow.length > MAX_LISTED) out.push(para(`${inWindow.length - MAX_LISTED} earlier changes in the window: ${code(`npx trust history ${id}`)} lists every one.`));
    }
  }
  out.push(
    para(
      `From the transparency log published at ${link('/log/', '/log/checkpoint')}, judged at the evidence's signing time; ${code(`npx trust history ${id} --json --as-of <that time>`)} prints the same figures. ${link('Subscribe to claim changes', '/changes.atom')} (Atom).`,
    ),
  );
  return out;
}
