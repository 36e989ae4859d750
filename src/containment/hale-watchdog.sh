#!/bin/sh
# hale's watchdog, the part that idles: a POSIX sh loop (under 2 MiB), not a
# Node process. It reads the guard's lines from its stdin, a pipe only hale
# holds, and keeps the live ones. When the pipe ends, hale is gone however it
# died: it ends the groups it can prove hale's itself (SIGTERM, then SIGKILL),
# starts the cleanup program (watchdog-main.js, under node) on the live lines
# for the rest, and exits. See src/containment/watchdog.ts.
#
# Usage: /bin/sh hale-watchdog.sh <node> <watchdog-main.js>
# Lines: add <pid> <startTime> <runId|-> <cgroup|->, remove <pid>,
#        run <runId> <cgroup|->, since <startTime>; any other line is skipped.
# It tells the program one more: termed <uptime>, when it sent the first SIGTERM.

# A Ctrl-C, a hangup or a SIGTERM to the whole service is for hale, which stops its
# plugins itself and then closes our stdin: we outlive it to clean up after it.
# SIGPIPE too: whoever read our stderr may be gone with hale.
trap '' INT HUP TERM PIPE
# No word of a line is ever a pattern.
set -f

node=$1
main=$2
run=
since=
# The guarded pids, each once, with the removed ones among them until compacted.
pids=
removed=0

while read -r op a b c d rest; do
  [ -z "$rest" ] || continue
  case $op in
    add | remove)
      # Digits only, and not too many, before the pid names a variable; never 1 (kill -1 is everyone).
      case $a in '' | 0* | 1 | *[!0-9]* | ??????????*) continue ;; esac
      if [ "$op" = add ]; then
        [ -n "$d" ] || continue
        case " $pids " in *" $a "*) ;; *) pids="$pids $a" ;; esac
        eval "g_$a=\"add \$a \$b \$c \$d\""
      else
        [ -z "$b" ] || continue
        unset "g_$a"
        removed=$((removed + 1))
        # Compacts the list now and then, so that it holds about the live pids only.
        if [ "$removed" -ge 256 ]; then
          live=
          for p in $pids; do
            eval "[ -z \"\${g_$p+x}\" ]" || live="$live $p"
          done
          pids=$live
          removed=0
        fi
      fi
      ;;
    run) [ -n "$b" ] && [ -z "$c" ] && run="run $a $b" ;;
    since) [ -n "$a" ] && [ -z "$b" ] && since="since $a" ;;
  esac
done

# Whether group $1 (a pid) is still the one that started at $2: its leader's pid, start time, and
# it still leads its group, as the cleanup program proves it. Field 22 of /proc/PID/stat is ${22}
# here: the fields after the name (which may hold anything, and ends at the last ") ") follow $1 $2.
proven() {
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  set -- "$1" "$2" ${stat##*) }
  [ "$5" = "$1" ] && [ "${22}" = "$2" ]
}

# Sends $1 to every guarded group still proven; says which in $signalled.
signal_proven() {
  signal=$1
  signalled=
  for p in $pids; do
    eval "line=\${g_$p-}"
    [ -n "$line" ] || continue
    set -- $line
    proven "$2" "$3" && kill "-$signal" "-$2" 2>/dev/null && signalled="$signalled $2"
  done
}

# hale is gone. Node takes a while to start, so the proven groups get their SIGTERM at once from
# here, and their SIGKILL after the grace; the cleanup program, started meanwhile, checks every
# line again and ends the rest (the marked processes, the cgroups), its grace counted from ours.
read -r up rest 2>/dev/null </proc/uptime || up=
signal_proven TERM
termed=$signalled
{
  {
    [ -z "$since" ] || printf '%s\n' "$since"
    [ -z "$run" ] || printf '%s\n' "$run"
    for p in $pids; do
      eval "line=\${g_$p-}"
      [ -z "$line" ] || printf '%s\n' "$line"
    done
    [ -z "$up" ] || [ -z "$termed" ] || printf 'termed %s\n' "$up"
  } | "$node" "$main" ||
    printf '{"level":50,"pid":%s,"name":"hale-watchdog","msg":"the cleanup program (watchdog-main.js) failed (exit %s): what hale left may remain"}\n' "$$" "$?" >&2
} &
# The grace (as the program's), then SIGKILL to what still runs; without a sleep that takes a
# fraction, the program does it. Then we are done: the program ends the rest and exits by itself.
[ -z "$termed" ] || ! sleep 0.4 2>/dev/null || signal_proven KILL
exit 0
