#!/usr/bin/env bash
# Every test tier (make test). The board end to end (tests/e2e) spends most of its time waiting
# on Slurm's timers (SuspendTime, ResumeTimeout), so it runs beside the other tiers; its output
# goes to .cache/logs/e2e-tier.log and is printed after theirs. Exit status: failure if either
# failed. The last line counts both.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=.cache/logs
mkdir -p "$logs"
pytest=.venv/bin/pytest

"$pytest" tests/e2e >"$logs/e2e-tier.log" 2>&1 &
e2e_pid=$!
"$pytest" tests/unit tests/static tests/integration tests/molecule 2>&1 | tee "$logs/tiers.log"
tiers_rc=${PIPESTATUS[0]}
wait "$e2e_pid"
e2e_rc=$?

echo
echo "==================== board end to end (ran alongside the tiers above) ===================="
cat "$logs/e2e-tier.log"
.venv/bin/python - "$logs/tiers.log" "$logs/e2e-tier.log" <<'PY'
import re
import sys

totals = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
for path in sys.argv[1:]:
    lines = [line for line in open(path, errors="replace").read().splitlines() if re.search(r" in [0-9.]+s", line)]
    summary = lines[-1] if lines else ""
    if not summary:
        totals["error"] += 1  # a tier that printed no summary did not finish
    for count, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary):
        totals["error" if word.startswith("error") else word] += int(count)
print("make test: %d passed, %d failed%s%s" % (
    totals["passed"], totals["failed"] + totals["error"],
    " (%d errors)" % totals["error"] if totals["error"] else "",
    ", %d skipped" % totals["skipped"] if totals["skipped"] else ""))
PY
[ "$tiers_rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ]
