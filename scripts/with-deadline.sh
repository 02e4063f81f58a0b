#!/usr/bin/env bash
# Runs a command with a deadline, so that a hung process fails one CI step in bounded time instead of
# using up the whole CI run.
#
#   bash scripts/with-deadline.sh SECONDS TRIES LABEL -- COMMAND [ARGS...]
#
# COMMAND runs in its own process group. When it is still running after SECONDS, this prints what was
# running (every process of the group: pid, parent, age, CPU, memory, state, kernel wait channel,
# command line), sends SIGQUIT to the group (a Go program prints every goroutine's stack to its stderr
# and exits), then SIGKILL to what is left 5 s later. A try that timed out is tried again while TRIES
# allows; a command that ended by itself, failed or not, is never tried again. The exit status is the
# command's, or 124 when its last try timed out.
#
# It serves the runs of programs we do not control and that can hang without a sign: the jsii hosts of
# the binding checks (a Go, Java or Python app and its node kernel, running aws-cdk-lib's built-in
# template validation), the Go toolchain and Maven. CI stop 36 ran out of its 90 minutes inside one of them.
set -uo pipefail

usage() { echo "usage: with-deadline.sh SECONDS TRIES LABEL -- COMMAND [ARGS...]" >&2; exit 2; }
[ $# -ge 5 ] && [ "$4" = "--" ] || usage
limit=$1 tries=$2 label=$3
shift 4
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || { echo "with-deadline: SECONDS must be a whole number above 0, not '$limit'" >&2; exit 2; }
[[ "$tries" =~ ^[1-9]$ ]] || { echo "with-deadline: TRIES must be 1 to 9, not '$tries'" >&2; exit 2; }

# The processes of one group, as `ps` shows them (the wait channel says where a sleeping process waits).
show_group() {
  ps -e -o pgid=,pid=,ppid=,etimes=,pcpu=,rss=,stat=,wchan:24=,args= 2>/dev/null \
    | awk -v g="$1" '$1 == g { sub(/^ *[0-9]+ +/, ""); printf "    %s\n", substr($0, 1, 300) }'
}

marker=$(mktemp)
pid="" watchdog=""
trap 'rm -f "$marker"' EXIT
# Interrupted or stopped itself: the command's group and the watchdog's go too (neither is in this script's
# process group).
trap '[ -n "$watchdog" ] && kill -- "-$watchdog" 2>/dev/null; [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null; exit 130' INT TERM
for (( try = 1; try <= tries; try++ )); do
  : >"$marker"
  # Job control gives the command (and the watchdog) a process group of its own; stdin is not the terminal's.
  set -m
  "$@" </dev/null &
  pid=$!
  (
    sleep "$limit"
    echo timeout >"$marker"
    echo "$label: not finished after ${limit}s (try $try of $tries); what was running:" >&2
    echo "    PID PPID AGE(s) %CPU RSS(KB) STAT WCHAN COMMAND" >&2
    show_group "$pid" >&2
    kill -QUIT -- "-$pid" 2>/dev/null
    sleep 5
    kill -KILL -- "-$pid" 2>/dev/null
  ) &
  watchdog=$!
  set +m
  wait "$pid"
  rc=$?
  kill -- "-$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  if [ "$(cat "$marker")" != timeout ]; then
    exit "$rc"
  fi
  # What the group leader left behind (background children of a shell ignore SIGQUIT).
  kill -KILL -- "-$pid" 2>/dev/null
  if (( try < tries )); then
    echo "$label: trying again" >&2
  fi
done
echo "$label: timed out after ${limit}s in each of $tries tries" >&2
exit 124
