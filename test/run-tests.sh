#!/usr/bin/env bash
# `npm test`: build dist/ (some e2e suites spawn the built processes), then run jest.
# Extra arguments go to jest, e.g. `npm test -- test/docker` or `npm test -- -t 'pushes'`.
# Ends with a plain summary line `N passed, N failed[, N skipped]` and jest's exit code.
set -uo pipefail
cd "$(dirname "$0")/.."

echo "=== build (swc -> dist/) ==="
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

mkdir -p .test-services
results=$(mktemp "${TMPDIR:-/tmp}/wharf-jest-XXXXXX.json")
trap 'rm -f "$results"' EXIT

echo "=== jest ==="
npx jest --ci --json --outputFile="$results" "$@"
code=$?

if [[ -s "$results" ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // a suite that failed to run (syntax error, a throw at load time, a failing beforeAll with no
    // tests) has no failed tests of its own: count it as one failure so the line never hides it
    const broken = (r.testResults || []).filter((s) => s.status === "failed" && !(s.assertionResults || []).some((a) => a.status === "failed"));
    for (const s of broken) console.log(`suite failed to run: ${s.name}`);
    const failed = r.numFailedTests + broken.length;
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$results"
else
  echo "jest wrote no results (exit code $code)"
  if [[ $code -ne 0 ]]; then echo "0 passed, 1 failed"; else echo "0 passed, 0 failed"; fi
fi
exit "$code"
