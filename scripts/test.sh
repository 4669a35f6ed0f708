#!/usr/bin/env bash
# Every test tier (make test). First the quick tiers (unit and static while the images build,
# then integration alone: it holds timing budgets); then two lanes side by side: the molecule tier's
# VM, Debian testing and Debian 12 scenarios in one, the board end to end (tests/e2e, which mostly
# waits on Slurm's timers: SuspendTime, ResumeTimeout) then Debian 13's short scenario in the other.
# The second lane's output goes to .cache/logs/e2e-tier.log and tiers-molecule-debian13.log and is
# printed at the end. Exit status: failure if any part failed. The last line counts all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=.cache/logs
mkdir -p "$logs"
pytest=.venv/bin/pytest

# The images (Docker base and node images, the VM image) build while unit and static run: they
# wait mostly on the mirror; integration needs the engine, so it waits for them.
scripts/bootstrap.sh all >"$logs/bootstrap.log" 2>&1 &
bootstrap_pid=$!
"$pytest" tests/unit tests/static 2>&1 | tee "$logs/tiers-quick.log"
quick_rc=${PIPESTATUS[0]}
wait "$bootstrap_pid"
bootstrap_rc=$?
cat "$logs/bootstrap.log"
if [ "$bootstrap_rc" -ne 0 ]; then
  echo "make test: 0 passed, 1 failed (bootstrap failed: $logs/bootstrap.log)"
  exit 1
fi
"$pytest" tests/integration 2>&1 | tee "$logs/tiers-integration.log"
integration_rc=${PIPESTATUS[0]}

# Two lanes of about equal length: the VM scenario, Debian testing and Debian 12 in one; the board
# end to end, then Debian 13's short scenario, in the other. (CI of 2026-11-29 with Debian 13 in
# the molecule lane instead: molecule 75.7 min, of which Debian 13 12, e2e 62.2: worse.)
(
  "$pytest" tests/e2e >"$logs/e2e-tier.log" 2>&1
  e2e=$?
  "$pytest" tests/molecule -k debian13 >"$logs/tiers-molecule-debian13.log" 2>&1 || exit 1
  exit "$e2e"
) &
lane_pid=$!
"$pytest" tests/molecule -k "not debian13" 2>&1 | tee "$logs/tiers-molecule.log"
molecule_rc=${PIPESTATUS[0]}
wait "$lane_pid"
e2e_rc=$?

echo
echo "==================== board end to end (ran beside the molecule tier) ===================="
cat "$logs/e2e-tier.log"
echo "==================== molecule Debian 13 (after the board end to end) ===================="
cat "$logs/tiers-molecule-debian13.log" 2>/dev/null
.venv/bin/python - "$logs/tiers-quick.log" "$logs/tiers-integration.log" "$logs/tiers-molecule.log" "$logs/e2e-tier.log" \
  "$logs/tiers-molecule-debian13.log" <<'PY'
import re
import sys

totals = {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "xfailed": 0}
for path in sys.argv[1:]:
    try:
        text = open(path, errors="replace").read()
    except OSError:
        text = ""  # a part that never started
    lines = [line for line in text.splitlines() if re.search(r" in [0-9.]+s", line)]
    summary = lines[-1] if lines else ""
    if not summary:
        totals["error"] += 1  # a part that printed no summary did not finish
    for count, word in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed)", summary):
        totals["error" if word.startswith("error") else word] += int(count)
print("make test: %d passed, %d failed%s%s%s" % (
    totals["passed"], totals["failed"] + totals["error"],
    " (%d errors)" % totals["error"] if totals["error"] else "",
    ", %d skipped" % totals["skipped"] if totals["skipped"] else "",
    ", %d known failures (xfailed)" % totals["xfailed"] if totals["xfailed"] else ""))
PY
[ "$quick_rc" -eq 0 ] && [ "$integration_rc" -eq 0 ] && [ "$molecule_rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ]
