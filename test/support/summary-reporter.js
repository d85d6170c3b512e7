'use strict';
// Prints the plain "N passed, N failed" closing line that CI reads (jest's own summary is not in that form).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites > 0 && results.numFailedTests === 0 ? 1 : 0;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests + suitesFailed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
