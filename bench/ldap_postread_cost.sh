#!/usr/bin/env bash
# What the Post-Read control (an ldap target's record_versions) costs slapd,
# in instructions per write, counted by callgrind: repeatable on a loaded
# machine, where ldap_bench's ops/s and CPU times are not. slapd runs under
# valgrind with logging off (loglevel 0: no syslog; -d 0: nothing on
# stderr), so only the work of the writes counts; with logging on, slapd also
# logs one "slap_read_controls" line per Post-Read it answers, whatever its
# loglevel short of 0 (see README, "Recording LDAP versions").
# Batches of WRITES adds, then as many modifies of three attributes, go
# through ldapmodify without and with the control, alternating (without,
# with, without, with), so a database growing between batches weighs on both.
# Usage: bench/ldap_postread_cost.sh [WRITES]   (default 500)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly WRITES=${1:-500}
readonly CONTROL="postread=entryCSN,modifyTimestamp"  # what the connector asks for
export LDAPNOINIT=1

for tool in valgrind callgrind_control ldapmodify ldapwhoami; do
  command -v "$tool" >/dev/null || { echo "ldap_postread_cost: needs $tool" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/idb-postread-XXXXXX)
vpid=""
cleanup() {
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# The harness writes the config, the data folder and the password; slapd then
# runs again on them under valgrind.
"$ROOT/scripts/throwaway-slapd" start "$dir" >"$dir/env"
# shellcheck disable=SC1091
. "$dir/env"
"$ROOT/scripts/throwaway-slapd" stop "$dir"
sed '1a loglevel 0' "$dir/slapd.conf" >"$dir/callgrind.conf"
valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" /usr/sbin/slapd -d 0 \
  -f "$dir/callgrind.conf" -h "$LDAP_URL/" </dev/null >"$dir/valgrind.log" 2>&1 &
vpid=$!
for _ in $(seq 120); do
  ldapwhoami -x -H "$LDAP_URL" -D "$LDAP_BIND_DN" -y "$dir/password" >/dev/null 2>&1 && break
  sleep 0.5
done
ldapwhoami -x -H "$LDAP_URL" -D "$LDAP_BIND_DN" -y "$dir/password" >/dev/null || {
  echo "ldap_postread_cost: slapd under valgrind did not answer" >&2; cat "$dir/valgrind.log" >&2; exit 1; }

# LDIF of WRITES adds below a new ou=$1 (the ou itself first), and of a modify of each.
adds() {
  printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$1" "$LDAP_BASE_DN" "$1"
  for i in $(seq "$WRITES"); do
    printf 'dn: uid=u%s,ou=%s,%s\nobjectClass: inetOrgPerson\nuid: u%s\ncn: Given%s Family%s\nsn: Family%s\n' \
      "$i" "$1" "$LDAP_BASE_DN" "$i" "$i" "$i" "$i"
    printf 'givenName: Given%s\nmail: user%s@example.org\ntitle: Title 0\n\n' "$i" "$i"
  done
}
modifies() {
  for i in $(seq "$WRITES"); do
    printf 'dn: uid=u%s,ou=%s,%s\nchangetype: modify\n' "$i" "$1" "$LDAP_BASE_DN"
    printf 'replace: mail\nmail: user%s.g1@example.org\n-\nreplace: title\ntitle: Title 1\n-\n' "$i"
    printf 'replace: telephoneNumber\ntelephoneNumber: +1 555 1 %s\n\n' "$i"
  done
}

# Sets `spent` to the instructions slapd spent on one ldapmodify run of $2
# (LDIF), with the control when $3 is set. Not in a subshell: it counts the
# dumps callgrind numbers.
batch=0
spent=0
instructions() {
  local name=$1 ldif=$2 control=${3:-}
  batch=$((batch + 1))
  callgrind_control -z "$vpid" >/dev/null 2>&1
  ldapmodify -a -x -H "$LDAP_URL" -D "$LDAP_BIND_DN" -y "$dir/password" ${control:+-e "$control"} \
    -f "$ldif" >/dev/null
  callgrind_control -d "$name" "$vpid" >/dev/null 2>&1
  spent=$(awk '/^totals:/ {print $2}' "$dir/callgrind.out.$batch")
}

declare -A total
for round in 1 2; do
  for with in none control; do
    adds "r$round$with" >"$dir/r$round$with.add"
    modifies "r$round$with" >"$dir/r$round$with.modify"
  done
done
for kind in add modify; do
  for round in 1 2; do
    for with in none control; do
      control=""
      [ "$with" = control ] && control=$CONTROL
      instructions "$kind-$round-$with" "$dir/r$round$with.$kind" "$control"
      total[$kind-$with]=$(( ${total[$kind-$with]:-0} + spent ))
    done
  done
done

echo "slapd instructions per write (callgrind, logging off), 2 x $WRITES writes each way, alternating:"
printf '%-16s %12s %12s %12s\n' "write" "without" "Post-Read" "cost"
for kind in add modify; do
  ops=$((2 * WRITES))
  [ "$kind" = add ] && ops=$((2 * (WRITES + 1)))  # each add batch also adds its ou
  without=$(( ${total[$kind-none]} / ops ))
  with=$(( ${total[$kind-control]} / ops ))
  label=$kind
  [ "$kind" = modify ] && label="modify x3"
  awk -v label="$label" -v without="$without" -v with="$with" 'BEGIN {
    printf "%-16s %12d %12d %+12d (%+.0f%%)\n", label, without, with, with - without, 100 * (with - without) / without }'
done
