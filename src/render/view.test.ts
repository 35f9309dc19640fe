import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATISTICS } from '../stats/index.js';
import { STAT_COLUMNS, type StatisticsSource, mainStatisticList, mainStatistics, reportedStatistics, statPhrase } from './view.js';

const categorical: StatisticsSource = {
  kind: 'categorical',
  stats: { psi: 0.22, chi2: { statistic: 80, pvalue: 1e-6 }, jensen_shannon: 0.1, linf: 0.1 },
  decision: { test: { name: 'category_shift', statistic: 0.12, pvalue: 3e-8 }, effect: { name: 'unseen_share', value: 0.04 } },
};

const numeric: StatisticsSource = {
  kind: 'numeric',
  stats: { psi: 0.4, ks: { statistic: 0.25, pvalue: 1e-12 }, wasserstein: 3, wasserstein_norm: 0.8 },
};

test("the test is the decision's, named by its registry label, with the decision's p-value", () => {
  const { test: shown, effect, psi } = mainStatistics(categorical);
  assert.deepEqual([shown?.name, shown?.label, shown?.value, shown?.pvalue], ['category_shift', 'shift', 0.12, 3e-8]);
  assert.deepEqual([effect?.label, effect?.value], ['unseen', 0.04]);
  assert.equal(psi?.value, 0.22);
  assert.deepEqual(
    mainStatisticList(categorical).map((s) => statPhrase(s)),
    ['psi 0.22', 'shift 0.12 (p 3e-8)', 'unseen 0.04'],
  );
  assert.deepEqual(
    STAT_COLUMNS.map((c) => c.cell(categorical)),
    ['0.22', '0.1', 'shift 0.12', '3e-8', '-', '0.1'],
  );
});

test('a report without a decision shows the test and the default size it reports', () => {
  assert.deepEqual(
    mainStatisticList(numeric).map((s) => statPhrase(s)),
    ['psi 0.4', 'ks 0.25 (p 1e-12)', 'w_norm 0.8'],
  );
  const old = { ...categorical, decision: undefined };
  assert.deepEqual(
    mainStatisticList(old).map((s) => statPhrase(s)),
    ['psi 0.22', 'chi2 80 (p 1e-6)', 'linf 0.1'],
  );
  // A test that could not run (a NaN p-value) says nothing: the reported one is shown.
  const failed = { ...categorical, decision: { test: { name: 'category_shift', statistic: Number.NaN, pvalue: Number.NaN } } };
  assert.equal(mainStatistics(failed).test?.name, 'chi2');
});

test('a size that is the test itself, or PSI, is listed once', () => {
  const sized = { ...numeric, decision: { test: { name: 'ks', statistic: 0.25, pvalue: 1e-12 }, effect: { name: 'ks', value: 0.25 } } };
  assert.deepEqual(
    mainStatisticList(sized).map((s) => s.name),
    ['psi', 'ks'],
  );
});

test('every registered statistic is listed with its registry label and description, in report order', () => {
  const stats = Object.fromEntries(STATISTICS.map((s, i) => [s.name, s.direction === 'pValueBelow' ? { statistic: i, pvalue: 0.5 } : i]));
  const listed = reportedStatistics(stats);
  assert.deepEqual(
    listed.map((s) => [s.name, s.label, s.description]),
    STATISTICS.map((s) => [s.name, s.label, s.description]),
  );
  // A name the registry does not know (an older report's) is shown as it is.
  assert.deepEqual(
    reportedStatistics({ gone: 1 }).map((s) => s.label),
    ['gone'],
  );
});

test('the table columns are named by the registry labels', () => {
  assert.deepEqual(
    STAT_COLUMNS.map((c) => c.header),
    ['psi', 'js', 'test', 'p', 'w_norm', 'linf'],
  );
});
