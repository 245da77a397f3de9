#!/usr/bin/env bash
# A private Docker engine for the real-client tests (Debian package docker.io).
#
#   test/support/dockerd.sh start <dir>    start (or reuse) the engine; prints DOCKER_HOST=unix://...
#   test/support/dockerd.sh stop  <dir>    stop it (no-op when it is not running)
#   test/support/dockerd.sh status <dir>   exit 0 and print DOCKER_HOST when it answers
#
# No bridge, no iptables, no IP forwarding: it touches no host network set-up, so containers
# must run with `--network none` (builds of FROM-scratch images with COPY need no network).
# Registries on 127.0.0.0/8 are insecure-allowed by docker, so push/pull over plain HTTP work.
# Storage driver overlay2, falling back to vfs when overlay2 is not supported here; the driver
# that worked is remembered in <dir>/storage-driver.
#
# Layout: <dir>/data (data root), <dir>/dockerd.log, <dir>/dockerd.pid, <dir>/docker.sock,
# <dir>/docker-host (the DOCKER_HOST value). The exec root (containerd state and sockets) lives
# under /tmp/wharf-dockerd-<hash of dir>, because unix socket paths are limited to 108 bytes.
set -euo pipefail

cmd=${1:-}
D=${2:-}
if [[ -z "$cmd" || -z "$D" ]]; then
  echo "usage: $0 start|stop|status <dir>" >&2
  exit 2
fi
mkdir -p "$D"
D=$(cd "$D" && pwd)
hash=$(printf '%s' "$D" | md5sum | cut -c1-10)
EXEC_ROOT="/tmp/wharf-dockerd-$hash" # fixed (not $TMPDIR) so that start and stop agree
SOCK="$D/docker.sock"
if ((${#SOCK} > 100)); then SOCK="$EXEC_ROOT.sock"; fi
HOST="unix://$SOCK"
PIDFILE="$D/dockerd.pid"
LOG="$D/dockerd.log"

# docker client: any on PATH works against this engine (API version is negotiated)
answers() { DOCKER_HOST="$HOST" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
running_pid() {
  [[ -s "$PIDFILE" ]] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == dockerd ]] && echo "$pid"
}

# dockerd bind-mounts its data root onto itself; a dockerd that dies (or fails to start) can leave
# that mount behind, and then `rm -rf <dir>` fails with EBUSY
unmount_data() {
  local i
  for i in 1 2 3 4 5; do
    mountpoint -q "$D/data" 2>/dev/null || return 0
    umount "$D/data" 2>/dev/null || umount -l "$D/data" 2>/dev/null || true
  done
}

start_with() { # $1 = storage driver; returns 0 when the engine answers
  local driver=$1 pid
  mkdir -p "$D/data" "$EXEC_ROOT"
  rm -f "$SOCK" "$PIDFILE"
  echo "--- $(date -Is) starting dockerd (storage driver $driver)" >>"$LOG"
  setsid nohup dockerd \
    --host "$HOST" --data-root "$D/data" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver="$driver" --log-level=warn --shutdown-timeout=5 \
    </dev/null >>"$LOG" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    if answers; then
      echo "$driver" >"$D/storage-driver"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then # dockerd exited (e.g. driver not supported)
      unmount_data
      return 1
    fi
    sleep 0.25
  done
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  unmount_data
  return 1
}

case "$cmd" in
  status)
    answers && { echo "DOCKER_HOST=$HOST"; exit 0; }
    exit 1
    ;;
  start)
    command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install -y docker.io" >&2; exit 1; }
    if answers; then
      echo "$HOST" >"$D/docker-host"
      echo "DOCKER_HOST=$HOST"
      exit 0
    fi
    if pid=$(running_pid); then # alive but not answering: stale, replace it
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    unmount_data
    drivers=(overlay2 vfs)
    if [[ -s "$D/storage-driver" ]]; then drivers=("$(cat "$D/storage-driver")"); fi
    if [[ -n "${WHARF_DOCKER_STORAGE_DRIVER:-}" ]]; then drivers=("$WHARF_DOCKER_STORAGE_DRIVER"); fi
    for driver in "${drivers[@]}"; do
      if start_with "$driver"; then
        echo "$HOST" >"$D/docker-host"
        echo "DOCKER_HOST=$HOST"
        exit 0
      fi
      echo "dockerd did not start with storage driver $driver" >&2
    done
    echo "dockerd did not start; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 || true
    exit 1
    ;;
  stop)
    if pid=$(running_pid); then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "dockerd $pid did not stop in 20 s; killing it" >&2
        kill -9 "$pid" 2>/dev/null || true
        cpid=$(cat "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null || true)
        [[ -n "$cpid" ]] && kill -9 "$cpid" 2>/dev/null || true
      fi
      echo "dockerd stopped"
    else
      echo "dockerd not running"
    fi
    unmount_data
    rm -f "$SOCK" "$PIDFILE" "$D/docker-host"
    # the exec root holds only runtime state (a `--network host` container leaves netns/default
    # bind-mounted there); unmount what dockerd left and remove it
    findmnt -rn -o TARGET 2>/dev/null | grep -F "$EXEC_ROOT/" | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if ! findmnt -rn -o TARGET 2>/dev/null | grep -qF "$EXEC_ROOT/"; then rm -rf "$EXEC_ROOT" "$EXEC_ROOT.sock"; fi
    ;;
  *)
    echo "usage: $0 start|stop|status <dir>" >&2
    exit 2
    ;;
esac
