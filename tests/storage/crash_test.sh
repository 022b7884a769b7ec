#!/usr/bin/env bash
# The crash test (issue "Storage", Durability): a child that writes documents, versions, blobs,
# audit entries, register numbers and checkpoints is killed with SIGKILL at random moments, again
# and again on the same data dir (each run continues where the last one stopped). Afterwards every
# acknowledged write must be there, the audit log must verify, no blob may be torn and the
# register numbers must be unique and gap-free. See tests/storage/crash_writer.cpp.
#
# Two phases:
#  1. crash points: on a fresh data dir each, the writer kills itself right after its N-th
#     fsync/fdatasync (N = 1..CRASH_SYNC_POINTS), then a normal run continues on that dir and is
#     killed too; then everything is checked. Deterministic: every durability boundary of
#     start-up (migrations, the audit key) and of the first iterations is a crash point.
#  2. random kills: the writer is killed with SIGKILL after a random 20-300 ms, CRASH_KILLS times
#     on one data dir, checked every CRASH_CHECK_EVERY kills and at the end.
#
# Usage: crash_test.sh PATH/TO/vanthu-crash-writer
#   CRASH_KILLS=N        how many random kills (default 105; at least 100 for the issue's bar)
#   CRASH_SYNC_POINTS=N  how many crash points (default 40: start-up and ~3 iterations; 0: none)
#   CRASH_SEED=N         the seed of the kill delays and the written content (default: random;
#                        printed, so a failure can be replayed)
#   CRASH_CHECK_EVERY=N  also check everything after every N kills (default 25; 0: only at the end)
#   CRASH_KEEP=1         keep the data dir and the acknowledgements even when the test passes
set -euo pipefail

writer=${1:?usage: crash_test.sh PATH/TO/vanthu-crash-writer}
[ -x "$writer" ] || { echo "crash test: $writer is not an executable" >&2; exit 2; }
kills=${CRASH_KILLS:-105}
sync_points=${CRASH_SYNC_POINTS:-40}
seed=${CRASH_SEED:-$(( ($(date +%s%N) / 1000) % 32768 ))}
check_every=${CRASH_CHECK_EVERY:-25}
RANDOM=$seed

work=$(mktemp -d "${TMPDIR:-/tmp}/vanthu-crash-XXXXXX")
data=$work/data
acks=$work/acks.txt
: >"$acks"
passed=0
cleanup() {
  if [ "$passed" = 1 ] && [ "${CRASH_KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "crash test: data dir and acknowledgements kept in $work" >&2
  fi
}
trap cleanup EXIT

echo "crash test: $sync_points crash points, $kills random kills, seed $seed" \
  "(replay with CRASH_SEED=$seed)"

# check DATA ACKS: runs the judge; its report is in $work/check.out.
check() {
  "$writer" --check "$1" "$2" >"$work/check.out" 2>&1
}

# run_killed DATA ACKS LABEL DELAY_MS [ENV...]: one run of the writer, killed after DELAY_MS, its
# acknowledgements appended to ACKS. DELAY_MS "self": the writer kills itself at its crash point
# (VANTHU_CRASH_AFTER_SYNC in ENV); it is killed after 20 s if it has not. Fails when the writer
# ended by itself (a write failed, or it could not start on what the last kill left).
run_killed() {
  local dir=$1 ackfile=$2 label=$3 delay_ms=$4
  shift 4
  rm -f "$work/pid"
  # The writer runs under a subshell that reports its status, so that bash's "Killed" notices
  # (noise here) go to /dev/null; the subshell's status is the writer's.
  (
    env "$@" "$writer" --seed "$RANDOM" "$dir" >"$work/run.out" 2>"$work/run.err" &
    echo $! >"$work/pid"
    wait $!
  ) 2>/dev/null &
  local shell=$! status=0
  if [ "$delay_ms" = self ]; then
    local waited=0
    while kill -0 "$shell" 2>/dev/null && [ "$waited" -lt 2000 ]; do
      sleep 0.01
      waited=$((waited + 1))
    done
  else
    sleep "$(printf '0.%03d' "$delay_ms")"
  fi
  while [ ! -s "$work/pid" ] && kill -0 "$shell" 2>/dev/null; do sleep 0.001; done
  [ -s "$work/pid" ] && kill -KILL "$(cat "$work/pid")" 2>/dev/null || true
  wait "$shell" || status=$?
  echo "# $label$(sed -n 's/^crash point: / /p' "$work/run.err")" >>"$ackfile"
  # awk 1: a line the kill cut short still ends in a newline, so that it cannot merge with the
  # next run's first line (the judge ignores it: it lacks the final " .").
  awk 1 "$work/run.out" >>"$ackfile"
  if [ "$status" -ne 137 ]; then
    echo "$label ended by itself (status $status) instead of being killed:" >"$work/run.fail"
    cat "$work/run.err" >>"$work/run.fail"
    return 1
  fi
}

started=$(date +%s)
failed_points=0
for ((point = 1; point <= sync_points; point++)); do
  dir=$work/point-$point
  pointacks=$work/point-$point.acks
  : >"$pointacks"
  ok=1
  # The crash point, then a normal run that continues on what it left.
  if ! run_killed "$dir" "$pointacks" "crash point $point" self VANTHU_CRASH_AFTER_SYNC="$point" ||
    ! run_killed "$dir" "$pointacks" "run after crash point $point" 150 ||
    ! check "$dir" "$pointacks"; then
    ok=0
  fi
  if [ "$ok" = 0 ]; then
    failed_points=$((failed_points + 1))
    echo "crash test FAILED at crash point $point ($(sed -n '1s/^# //p' "$pointacks")):" >&2
    if [ -s "$work/run.fail" ]; then cat "$work/run.fail" >&2; else cat "$work/check.out" >&2; fi
    rm -f "$work/run.fail"
  else
    rm -rf "$dir" "$pointacks"
  fi
done
if [ "$sync_points" -gt 0 ]; then
  echo "crash test: $((sync_points - failed_points)) of $sync_points crash points passed" \
    "in $(($(date +%s) - started)) s"
fi

started=$(date +%s)
silent=0
for ((run = 1; run <= kills; run++)); do
  delay_ms=$((20 + RANDOM % 281))
  if ! run_killed "$data" "$acks" "run $run (killed after $delay_ms ms)" "$delay_ms"; then
    echo "crash test FAILED:" >&2
    cat "$work/run.fail" >&2
    exit 1
  fi
  [ -s "$work/run.out" ] || silent=$((silent + 1))
  if [ "$check_every" -gt 0 ] && [ $((run % check_every)) -eq 0 ] && [ "$run" -lt "$kills" ]; then
    if ! check "$data" "$acks"; then
      echo "crash test FAILED after run $run:" >&2
      cat "$work/check.out" >&2
      exit 1
    fi
  fi
done
if ! check "$data" "$acks"; then
  echo "crash test FAILED after all $kills runs:" >&2
  cat "$work/check.out" >&2
  exit 1
fi
cat "$work/check.out"
echo "crash test: $kills runs killed with SIGKILL ($silent before their first acknowledgement)" \
  "in $(($(date +%s) - started)) s"
if [ "$failed_points" -gt 0 ]; then
  echo "crash test FAILED: $failed_points of $sync_points crash points left a broken data dir" >&2
  exit 1
fi
passed=1
