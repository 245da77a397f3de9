#!/usr/bin/env bash
# A private S3 server for the storage tests: single-node Ceph Pacific (one mon, one memstore OSD,
# no mgr) with RadosGW, from the Debian packages radosgw ceph-mon ceph-osd ceph-common uuid-runtime.
#
#   test/support/radosgw.sh start <dir> [rgw_port] [mon_port]   start (or reuse) it; prints S3_ENDPOINT=...
#   test/support/radosgw.sh stop  <dir>                          stop it (no-op when it is not running)
#
# S3 user: access key wharf-test, secret wharf-test-secret. Default ports 17480 (S3) and 16789
# (mon): not Ceph's own defaults, so a Ceph started by hand with the defaults does not collide.
#
# Several jest runs may share one server. With WHARF_RADOSGW_HOLDER=<pid>, `start` records that
# process as a holder and `stop` only forgets it, stopping the daemons once no live holder is
# left; without it `stop` stops unconditionally. start/stop are serialised by <dir>/lock.
#
# memstore keeps every object in the OSD's memory: fast, and nothing to clean up on disk.
# Layout: <dir>/cluster (ceph.conf, mon and osd data, logs, pid files; wiped at each fresh start),
# <dir>/holders, <dir>/lock.
set -euo pipefail

cmd=${1:-}
D=${2:-}
if [[ -z "$cmd" || -z "$D" ]]; then
  echo "usage: $0 start <dir> [rgw_port] [mon_port] | stop <dir>" >&2
  exit 2
fi
mkdir -p "$D/holders"
D=$(cd "$D" && pwd)
C="$D/cluster"
CONF="$C/ceph.conf"
ACCESS_KEY=wharf-test
SECRET_KEY=wharf-test-secret
# admin sockets are unix sockets (108-byte path limit): keep them short whatever <dir> is
RUN_DIR="/tmp/wharf-radosgw-$(printf '%s' "$D" | md5sum | cut -c1-10)"
DAEMONS=(client.rgw:radosgw osd.0:ceph-osd mon.a:ceph-mon) # <pid file name>:<process name>, stop order

# the daemons are started with 9>&- so that they do not inherit (and hold) this lock
exec 9>"$D/lock"
flock -w 300 9 || { echo "radosgw.sh: timed out waiting for $D/lock" >&2; exit 1; }

endpoint() { sed -n 's/^rgw frontends = beast endpoint=\([^ ]*\).*/http:\/\/\1/p' "$CONF" 2>/dev/null; }
answers() { # RadosGW answers an anonymous ListBuckets once its pools exist
  local url
  url=$(endpoint)
  [[ -n "$url" ]] && curl -sf -o /dev/null --max-time 5 "$url/"
}
daemon_pid() { # $1 = name:process; prints the pid when that daemon runs
  local pidfile="$C/pids/${1%%:*}.pid" pid
  [[ -s "$pidfile" ]] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == "${1#*:}" ]] && echo "$pid"
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
live_holders() {
  local f
  for f in "$D"/holders/*; do
    [[ -e "$f" ]] || continue
    if kill -0 "$(basename "$f")" 2>/dev/null; then basename "$f"; else rm -f "$f"; fi
  done
}

# SIGKILL: a graceful stop takes ~10 s (radosgw drains, the OSD tells the monitor) and keeps
# nothing worth having, since every fresh start wipes the cluster
stop_daemons() {
  local d pid pids=()
  for d in "${DAEMONS[@]}"; do
    pid=$(daemon_pid "$d") && pids+=("$pid")
  done
  if ((${#pids[@]})); then
    kill -9 "${pids[@]}" 2>/dev/null || true
    # dead once a zombie: this machine's init reaps orphans only every ~2 s
    local alive
    for _ in $(seq 1 100); do
      alive=
      for pid in "${pids[@]}"; do
        [[ "$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null || echo Z)" == Z ]] || alive=1
      done
      [[ -n "$alive" ]] || break
      sleep 0.1
    done
  fi
  rm -rf "$RUN_DIR"
}

fail_start() {
  echo "radosgw.sh: $1; logs in $C/log" >&2
  local f
  for f in "$C"/log/*.log; do
    [[ -s "$f" ]] && { echo "--- last lines of $f" >&2; tail -n 15 "$f" >&2; }
  done
  stop_daemons
  exit 1
}

fresh_start() {
  local rgw_port=$1 mon_port=$2 missing=() c p
  for c in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool uuidgen curl; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  if ((${#missing[@]})); then
    echo "radosgw.sh: missing commands: ${missing[*]}" >&2
    echo "install them with: apt-get install -y radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl" >&2
    exit 1
  fi
  stop_daemons # leftovers of a server that no longer answers
  for p in "$rgw_port" "$mon_port"; do
    if port_in_use "$p"; then
      echo "radosgw.sh: port $p on 127.0.0.1 is already in use by another process; pass other ports" >&2
      exit 1
    fi
  done
  rm -rf "$C"
  mkdir -p "$C"/{mon/ceph-a,osd/ceph-0,log,pids} "$RUN_DIR"
  local fsid
  fsid=$(uuidgen)
  cat >"$CONF" <<CONF
[global]
fsid = $fsid
# v1 explicitly: a mon address on a port other than 6789 is taken as msgr2, over which radosgw
# (unlike the ceph CLI and the OSD) fails to authenticate with auth none and hangs for 300 s
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
run dir = $RUN_DIR
admin socket = $RUN_DIR/\$name.asok
log file = $C/log/\$name.log
pid file = $C/pids/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
mon warn on msgr2 not enabled = false
osd objectstore = memstore
ms bind ipv4 = true
ms bind ipv6 = false
public addr = 127.0.0.1
[mon.a]
mon data = $C/mon/ceph-a
[osd.0]
osd data = $C/osd/ceph-0
memstore device bytes = 4294967296
[client.rgw]
# tcp_nodelay: without it small responses wait for Nagle's delayed ACK (~40 ms each)
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw dns name = localhost
rgw thread pool size = 64
rgw enable usage log = false
CONF
  export CEPH_CONF="$CONF"

  monmaptool --create --clobber --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$C/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$C/monmap" >>"$C/log/setup.log" 2>&1 || fail_start "ceph-mon --mkfs failed"
  ceph-mon -c "$CONF" -i a >>"$C/log/setup.log" 2>&1 9>&- || fail_start "ceph-mon did not start"
  local up=
  for _ in $(seq 1 60); do
    timeout 5 ceph -c "$CONF" quorum_status >/dev/null 2>&1 && { up=1; break; }
    sleep 0.5
  done
  [[ -n "$up" ]] || fail_start "the monitor did not form a quorum in 30 s"

  ceph -c "$CONF" osd create >/dev/null 2>>"$C/log/setup.log" || fail_start "ceph osd create failed"
  ceph-osd -c "$CONF" -i 0 --mkfs >>"$C/log/setup.log" 2>&1 || fail_start "ceph-osd --mkfs failed"
  # Pacific's OSD often exits during its first boot with "mon_cmd_maybe_osd_create fail: 'wrong
  # fsid'" (a race with the fresh monitor): start it again until it reports up
  local attempt pid
  up=
  for attempt in 1 2 3 4 5; do
    ceph-osd -c "$CONF" -i 0 >>"$C/log/setup.log" 2>&1 9>&- || true
    for _ in $(seq 1 60); do
      if timeout 5 ceph -c "$CONF" osd stat 2>/dev/null | grep -q " 1 up"; then up=1; break 2; fi
      daemon_pid osd.0:ceph-osd >/dev/null || break
      sleep 0.5
    done
    echo "radosgw.sh: OSD start attempt $attempt failed, retrying" >&2
    if pid=$(daemon_pid osd.0:ceph-osd); then kill "$pid"; fi
    sleep 1
  done
  [[ -n "$up" ]] || fail_start "the OSD did not come up"

  radosgw -c "$CONF" -n client.rgw >>"$C/log/setup.log" 2>&1 9>&- || fail_start "radosgw did not start"
  up=
  for _ in $(seq 1 240); do
    answers && { up=1; break; }
    daemon_pid client.rgw:radosgw >/dev/null || break
    sleep 0.5
  done
  [[ -n "$up" ]] || fail_start "radosgw does not answer on $(endpoint)"
  radosgw-admin -c "$CONF" user create --uid=wharf-test --display-name=wharf-test \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null 2>>"$C/log/setup.log" || fail_start "radosgw-admin user create failed"
}

case "$cmd" in
  start)
    rgw_port=${3:-17480}
    mon_port=${4:-16789}
    if ! answers || ! daemon_pid client.rgw:radosgw >/dev/null; then
      started=$(date +%s)
      fresh_start "$rgw_port" "$mon_port"
      echo "radosgw started in $(($(date +%s) - started)) s" >&2
    elif [[ "$(endpoint)" != "http://127.0.0.1:$rgw_port" ]]; then
      echo "radosgw.sh: reusing the running server at $(endpoint) (not port $rgw_port)" >&2
    fi
    if [[ -n "${WHARF_RADOSGW_HOLDER:-}" ]]; then touch "$D/holders/$WHARF_RADOSGW_HOLDER"; fi
    echo "S3_ENDPOINT=$(endpoint)"
    echo "S3_ACCESS_KEY_ID=$ACCESS_KEY"
    echo "S3_SECRET_ACCESS_KEY=$SECRET_KEY"
    ;;
  stop)
    if [[ -n "${WHARF_RADOSGW_HOLDER:-}" ]]; then
      rm -f "$D/holders/$WHARF_RADOSGW_HOLDER"
      others=$(live_holders | tr '\n' ' ')
      if [[ -n "$others" ]]; then
        echo "radosgw left running: still used by pid(s) $others" >&2
        exit 0
      fi
    fi
    rm -f "$D"/holders/*
    stop_daemons
    ;;
  *)
    echo "usage: $0 start <dir> [rgw_port] [mon_port] | stop <dir>" >&2
    exit 2
    ;;
esac
