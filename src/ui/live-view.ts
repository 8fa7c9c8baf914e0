/**
 * The live panel: the cell a run is on (or was on when it ended) — its estimate over the finished
 * restarts, the counts and the bounds P(global) keeps whatever the unfinished restarts do, the
 * estimate's curve and the histograms — worded by the run's phase (src/ui/run-state.ts). A
 * snapshot with no restart finished is shown as that, never drawn as data.
 */
import { estimate } from '../results/report.ts';
import { type PageRun, cellPhrase, hasData, liveHeading } from './run-state.ts';
import { el, renderConvergence, renderHistograms } from './views.ts';

const $ = (id: string) => document.getElementById(id)!;

/** Counts of the finished restarts, and while some are not, the range P(global) of the whole cell lies in. */
function countsText(run: PageRun): string {
  const s = run.cell!.snapshot!;
  const c = s.counts;
  const line = `${c.global} global · ${c.spurious} spurious · ${c.diverged} diverged · ${c.undecided} undecided (of ${s.done} finished)`;
  const pending = s.total - s.done;
  if (pending <= 0) return line;
  // Runs that reach the global minimum tend to finish first, so mid-cell the estimate over the
  // finished restarts leans high; whatever the unfinished ones do, P lies between these bounds.
  const range = `[${(c.global / s.total).toFixed(3)}, ${((c.global + pending) / s.total).toFixed(3)}]`;
  return run.phase === 'running'
    ? `${line} · ${pending} still running, so P(global) of the cell lies in ${range}`
    : `${line} · ${pending} did not finish; whatever they would have done, P(global) of the cell lies in ${range}`;
}

export function renderLive(run: PageRun | undefined): void {
  const cell = run?.cell;
  $('live').hidden = !cell;
  $('hist-summary').textContent = `histograms of ${run ? cellPhrase(run) : 'the cell in progress'}`;
  if (!run || !cell) {
    $('histograms').replaceChildren();
    return;
  }
  $('live-heading').textContent = liveHeading(run);
  const s = cell.snapshot;
  $('estimate').textContent = hasData(s) ? estimate(s) : 'none yet (no restart of this cell has finished)';
  $('counts').textContent = hasData(s) ? countsText(run) : '';
  renderConvergence($('convergence'), `P(global) of ${cellPhrase(run)} and its 95% interval, against restarts finished`, cell.points, s?.total ?? 0);
  if (hasData(s)) renderHistograms($('histograms'), s);
  else $('histograms').replaceChildren(el('p', 'No restart of this cell has finished yet.', 'empty-histogram'));
}
