#!/bin/sh
# Gantry agent installer: runs as root on the target, from an unpacked agent bundle (scripts/agent-bundle.mjs); never
# needs npm, git or the internet.
#
#   sh install.sh preflight
#   sh install.sh install --server URL --token JOIN_TOKEN [--fingerprint SHA256] [--env GANTRY_X=VALUE]...
#   sh install.sh upgrade            this bundle's version beside the running one; back to it if the new one fails
#   sh install.sh rollback           back to the version before the current one
#   sh install.sh uninstall          the agent, its containers, its unit or supervisor, and every file it had
#   sh install.sh supervise          (internal) the supervisor where there is no systemd
#
# Every step prints "gantry-install: <step>: <message>" on stdout; errors go to stderr and end with a non-zero exit.
# The join token may also come from GANTRY_JOIN_TOKEN or, with `--token -`, from stdin; it is written to agent.env
# (mode 0600) and never printed. Where things go (overridable for tests):
#   GANTRY_INSTALL_PREFIX  /opt/gantry      versions/<version>/ and the symlinks current, previous
#   GANTRY_INSTALL_ETC     /etc/gantry      agent.env
#   GANTRY_INSTALL_STATE   /var/lib/gantry  the agent's GANTRY_ROOT (its credential, images, containers) and agent.log
#   GANTRY_INSTALL_RUN     /run/gantry      the Docker API socket, the supervisor's and the agent's pid files
#   GANTRY_INSTALL_INIT    systemd where /run/systemd/system exists, else supervisor
#   GANTRY_INSTALL_UNIT_DIR /etc/systemd/system
#   GANTRY_INSTALL_PROC    /proc            where preflight reads filesystems and mounts (tests point it at a copy)
#   GANTRY_INSTALL_WAIT    60               seconds to wait for the agent to come up
set -u
umask 022

SRC=$(cd "$(dirname "$0")" && pwd -P)
PREFIX=${GANTRY_INSTALL_PREFIX:-/opt/gantry}
ETC=${GANTRY_INSTALL_ETC:-/etc/gantry}
STATE=${GANTRY_INSTALL_STATE:-/var/lib/gantry}
RUN=${GANTRY_INSTALL_RUN:-/run/gantry}
UNIT_DIR=${GANTRY_INSTALL_UNIT_DIR:-/etc/systemd/system}
PROC=${GANTRY_INSTALL_PROC:-/proc}
WAIT=${GANTRY_INSTALL_WAIT:-60}
UNIT=gantry-agent.service
ENV_FILE=$ETC/agent.env
SUPERVISOR_PID=$RUN/supervisor.pid
AGENT_PID=$RUN/agent.pid
EXITS=$RUN/agent.exits
LOG=$STATE/agent.log
MIN_FREE_KB=1048576
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

if [ -n "${GANTRY_INSTALL_INIT:-}" ]; then
  INIT=$GANTRY_INSTALL_INIT
elif [ -d /run/systemd/system ]; then
  INIT=systemd
else
  INIT=supervisor
fi

STEP=install
say() { printf 'gantry-install: %s: %s\n' "$STEP" "$*"; }
warn() { printf 'gantry-install: %s: %s\n' "$STEP" "$*" >&2; }
die() {
  printf 'gantry-install: %s: error: %s\n' "$STEP" "$*" >&2
  exit 1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (through sudo for another user)"
}

version_of() { cat "$1/VERSION" 2>/dev/null; }

# --- verify: every file in SHA256SUMS is there with its checksum ------------------------------------------------
verify() {
  [ -f "$SRC/SHA256SUMS" ] || die "$SRC/SHA256SUMS is missing: not an agent bundle"
  command -v sha256sum >/dev/null 2>&1 || die "sha256sum is missing (coreutils)"
  bad=
  while read -r sum file; do
    [ -n "$file" ] || continue
    case $file in /* | *..*) die "SHA256SUMS names $file, outside the bundle" ;; esac
    if [ ! -f "$SRC/$file" ]; then
      bad="$bad $file(missing)"
      continue
    fi
    actual=$(sha256sum "$SRC/$file" | cut -d' ' -f1)
    [ "$actual" = "$sum" ] || bad="$bad $file"
  done <"$SRC/SHA256SUMS"
  [ -z "$bad" ] || die "checksum mismatch:$bad — the bundle is damaged or was changed; upload it again"
  VERSION=$(version_of "$SRC")
  [ -n "$VERSION" ] || die "VERSION is empty"
  say "verified $(wc -l <"$SRC/SHA256SUMS" | tr -d ' ') files of version $VERSION"
}

# --- preflight ---------------------------------------------------------------------------------------------------
FAILED=
check() { # check NAME ok|fail DETAIL
  printf 'gantry-install: preflight: %s: %s: %s\n' "$1" "$2" "$3"
  [ "$2" = ok ] || FAILED="$FAILED $1"
}

preflight() {
  STEP=preflight
  FAILED=
  if [ "$(id -u)" = 0 ]; then check root ok "running as root"; else check root fail "running as uid $(id -u): use root or sudo"; fi

  kernel=$(uname -r)
  major=${kernel%%.*}
  rest=${kernel#*.}
  minor=${rest%%[!0-9]*}
  if [ "$major" -gt 4 ] 2>/dev/null || { [ "$major" -eq 4 ] && [ "${minor:-0}" -ge 15 ]; } 2>/dev/null; then
    check kernel ok "$kernel"
  else
    check kernel fail "$kernel is older than 4.15"
  fi

  if awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { f = 1 } END { exit !f }' "$PROC/mounts" 2>/dev/null; then
    check cgroup ok "v2"
  elif awk '$3 == "cgroup" { f = 1 } END { exit !f }' "$PROC/mounts" 2>/dev/null; then
    if awk '$3 == "cgroup2" { f = 1 } END { exit !f }' "$PROC/mounts"; then check cgroup ok "v1 (hybrid)"; else check cgroup ok "v1"; fi
  else
    check cgroup fail "neither cgroup v2 at /sys/fs/cgroup nor v1 hierarchies are mounted"
  fi

  if ! grep -qw overlay "$PROC/filesystems" 2>/dev/null; then modprobe overlay >/dev/null 2>&1 || true; fi
  if grep -qw overlay "$PROC/filesystems" 2>/dev/null; then
    check overlayfs ok "available"
  else
    check overlayfs fail "the kernel has no overlay filesystem (not in $PROC/filesystems, modprobe overlay failed)"
  fi

  want=$(cat "$SRC/ARCH" 2>/dev/null)
  have=$(uname -m)
  if [ "$want" = "$have" ]; then check architecture ok "$have"; else check architecture fail "this machine is $have, the bundle is for ${want:-?}"; fi

  if out=$("$SRC/bin/node" -e 'process.stdout.write(process.version)' 2>&1); then
    check runtime ok "node $out runs"
  else
    check runtime fail "the bundle's node does not run here: $(printf '%s' "$out" | head -n 1)"
  fi

  d=$STATE
  while [ ! -d "$d" ]; do d=$(dirname "$d"); done
  free=$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }')
  if [ -z "$free" ]; then
    check disk fail "cannot read the free space under $d"
  elif [ "$free" -ge "$MIN_FREE_KB" ]; then
    check disk ok "$((free / 1024)) MiB free under $d"
  else
    check disk fail "$((free / 1024)) MiB free under $d, 1024 MiB needed"
  fi

  if command -v iptables >/dev/null 2>&1; then check iptables ok "$(command -v iptables)"; else check iptables fail "iptables is missing (the agent's container networking uses it)"; fi

  pid=$(pgrep -x dockerd 2>/dev/null | head -n 1)
  if [ -n "$pid" ]; then check dockerd ok "dockerd runs (pid $pid): both engines will run containers here"; else check dockerd ok "none"; fi

  if running_supervisor >/dev/null || { [ "$INIT" = systemd ] && systemctl is-active --quiet "$UNIT" 2>/dev/null; }; then
    check agent ok "a Gantry agent is installed here ($(version_of "$PREFIX/current")): install repairs it, upgrade replaces it"
  elif [ -S "$RUN/docker.sock" ] && socket_answers; then
    check agent fail "another Gantry agent answers on $RUN/docker.sock"
  else
    check agent ok "none"
  fi
  check init ok "$INIT"

  if [ -n "$FAILED" ]; then
    warn "failed:$FAILED"
    return 1
  fi
  say "all checks passed"
}

# --- the agent's service -----------------------------------------------------------------------------------------
running_supervisor() {
  [ -f "$SUPERVISOR_PID" ] || return 1
  pid=$(cat "$SUPERVISOR_PID" 2>/dev/null)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'install.sh supervise' && echo "$pid"
}

socket_answers() {
  [ -x "$PREFIX/current/bin/node" ] || return 1
  "$PREFIX/current/bin/node" -e '
    const req = require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on("error", () => process.exit(1)).on("timeout", () => process.exit(1));' "$RUN/docker.sock" 2>/dev/null
}

write_unit() {
  mkdir -p "$UNIT_DIR"
  cat >"$UNIT_DIR/$UNIT.tmp" <<EOF
# Written by Gantry's install.sh; removed by install.sh uninstall.
[Unit]
Description=Gantry agent
After=network-online.target
Wants=network-online.target

[Service]
EnvironmentFile=$ENV_FILE
ExecStart=$PREFIX/current/bin/node $PREFIX/current/agent.mjs
Restart=always
RestartSec=2
# Containers run under their own gantry-monitor and outlive the agent: stopping the agent must not kill them.
KillMode=process
Delegate=yes
LimitNOFILE=1048576
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
EOF
  mv "$UNIT_DIR/$UNIT.tmp" "$UNIT_DIR/$UNIT"
}

start_agent() {
  mkdir -p "$RUN" "$STATE"
  : >"$EXITS"
  if [ "$INIT" = systemd ]; then
    write_unit
    systemctl daemon-reload || return 1
    systemctl enable "$UNIT" >/dev/null 2>&1 || return 1
    systemctl restart "$UNIT" || return 1
    say "started $UNIT"
  else
    # The supervisor, detached (its own session), from the installed copy: it outlives this script and the bundle.
    setsid sh "$PREFIX/current/install.sh" supervise </dev/null >>"$LOG" 2>&1 &
    n=0
    while [ $n -lt 50 ] && ! running_supervisor >/dev/null; do sleep 0.1; n=$((n + 1)); done
    pid=$(running_supervisor) || { warn "the supervisor did not start (see $LOG)"; return 1; }
    say "started the supervisor (pid $pid)"
  fi
}

stop_agent() {
  if [ "$INIT" = systemd ]; then
    if [ -f "$UNIT_DIR/$UNIT" ]; then systemctl stop "$UNIT" 2>/dev/null || true; fi
  fi
  if pid=$(running_supervisor); then
    kill -TERM "$pid" 2>/dev/null
    n=0
    while [ $n -lt 300 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
    kill -0 "$pid" 2>/dev/null && { warn "the supervisor (pid $pid) did not stop in 30 s: killing it"; kill -KILL "$pid" 2>/dev/null; }
  fi
  # An agent left by a killed supervisor.
  if [ -f "$AGENT_PID" ]; then
    pid=$(cat "$AGENT_PID" 2>/dev/null)
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'agent.mjs'; then
      kill -TERM "$pid" 2>/dev/null
      n=0
      while [ $n -lt 300 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$SUPERVISOR_PID" "$AGENT_PID"
}

agent_exits() {
  if [ "$INIT" = systemd ]; then systemctl show -p NRestarts --value "$UNIT" 2>/dev/null || echo 0; else wc -l <"$EXITS" 2>/dev/null | tr -d ' ' || echo 0; fi
}

# Waits until the agent answers on its Docker API socket (and, joining, holds its credential). Fails as soon as the
# agent has exited twice, or after WAIT seconds; the log's last lines go to stderr.
wait_healthy() {
  joining=$1
  n=0
  while [ $n -lt $((WAIT * 5)) ]; do
    if socket_answers && { [ "$joining" = no ] || [ -s "$STATE/agent/credential" ]; }; then
      say "the agent is up (version $(version_of "$PREFIX/current"))"
      return 0
    fi
    if [ "$(agent_exits)" -ge 2 ]; then
      warn "the agent exited $(agent_exits) times without coming up"
      break
    fi
    sleep 0.2
    n=$((n + 1))
  done
  [ $n -lt $((WAIT * 5)) ] || warn "the agent did not come up in $WAIT s"
  if [ "$INIT" = systemd ]; then
    journalctl -u "$UNIT" -n 15 --no-pager 2>/dev/null | sed 's/^/  | /' >&2
  else
    tail -n 15 "$LOG" 2>/dev/null | sed 's/^/  | /' >&2
  fi
  return 1
}

# --- the supervisor (no systemd) -----------------------------------------------------------------------------------
supervise() {
  STEP=supervise
  mkdir -p "$RUN"
  echo $$ >"$SUPERVISOR_PID"
  child=
  sleeper=
  stopping=
  trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null' TERM INT
  delay=1
  while [ -z "$stopping" ]; do
    [ -f "$LOG" ] && [ "$(wc -c <"$LOG")" -gt 10485760 ] && mv -f "$LOG" "$LOG.1"
    started=$(date +%s)
    # The agent's environment is agent.env's lines, read as data (never run as shell).
    (
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in '' | '#'*) continue ;; *=*) export "$line" ;; esac
      done <"$ENV_FILE"
      exec "$PREFIX/current/bin/node" "$PREFIX/current/agent.mjs"
    ) &
    child=$!
    echo "$child" >"$AGENT_PID"
    say "agent started (pid $child)"
    wait "$child"
    code=$?
    # A signal interrupts wait: wait again for the agent itself.
    while kill -0 "$child" 2>/dev/null; do
      wait "$child"
      code=$?
    done
    child=
    rm -f "$AGENT_PID"
    [ -n "$stopping" ] && break
    echo "$(date +%s) $code" >>"$EXITS"
    if [ $(($(date +%s) - started)) -ge 60 ]; then delay=1; fi
    say "agent exited ($code): starting it again in $delay s"
    sleep "$delay" &
    sleeper=$!
    wait "$sleeper" 2>/dev/null
    sleeper=
    delay=$((delay * 2))
    [ $delay -gt 30 ] && delay=30
  done
  rm -f "$SUPERVISOR_PID"
  say "stopped"
  exit 0
}

# --- agent.env ---------------------------------------------------------------------------------------------------
# Values are checked so the file reads the same to systemd and to the supervisor (no quotes, spaces or newlines).
valid_value() {
  case $1 in *[!A-Za-z0-9_./:,@%+=-]*) return 1 ;; esac
  return 0
}

env_get() { # env_get KEY: its value in the existing agent.env
  [ -f "$ENV_FILE" ] && sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1
}

write_env() {
  mkdir -p "$ETC"
  chmod 0755 "$ETC"
  tmp=$ENV_FILE.tmp.$$
  (
    umask 077
    {
      echo "# Written by Gantry's install.sh: the agent's configuration (README's configuration table)."
      echo "GANTRY_SERVER_URL=$SERVER"
      [ -n "$TOKEN" ] && echo "GANTRY_JOIN_TOKEN=$TOKEN"
      [ -n "$FINGERPRINT" ] && echo "GANTRY_SERVER_FINGERPRINT=$FINGERPRINT"
      echo "GANTRY_ROOT=$STATE"
      echo "GANTRY_DOCKER_SOCKET=$RUN/docker.sock"
      printf '%s' "$EXTRA"
    } >"$tmp"
  ) || return 1
  chmod 0600 "$tmp" && mv -f "$tmp" "$ENV_FILE"
}

# --- install / upgrade / rollback --------------------------------------------------------------------------------
copy_version() { # into $PREFIX/versions/$VERSION, unless there already with the same checksums
  dest=$PREFIX/versions/$VERSION
  if [ -d "$dest" ] && cmp -s "$dest/SHA256SUMS" "$SRC/SHA256SUMS"; then
    say "version $VERSION is already in $dest"
    return 0
  fi
  mkdir -p "$PREFIX/versions"
  tmp=$PREFIX/versions/.$VERSION.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  while read -r _ file; do
    mkdir -p "$tmp/$(dirname "$file")"
    cp -p "$SRC/$file" "$tmp/$file" || return 1
  done <"$SRC/SHA256SUMS"
  cp -p "$SRC/SHA256SUMS" "$tmp/SHA256SUMS" || return 1
  rm -rf "$dest"
  mv "$tmp" "$dest" || return 1
  COPIED=$dest
  say "copied version $VERSION to $dest"
}

point() { # point LINK TARGET: replaces the symlink at once
  ln -sfn "$2" "$1.tmp.$$" && mv -fT "$1.tmp.$$" "$1"
}

SERVER=
TOKEN=
FINGERPRINT=
EXTRA=
parse_install_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --server) [ $# -ge 2 ] || die "--server needs a URL"; SERVER=$2; shift 2 ;;
      --server=*) SERVER=${1#*=}; shift ;;
      --token) [ $# -ge 2 ] || die "--token needs a join token (or - to read it from stdin)"; TOKEN=$2; shift 2 ;;
      --token=*) TOKEN=${1#*=}; shift ;;
      --fingerprint) [ $# -ge 2 ] || die "--fingerprint needs a SHA-256 fingerprint"; FINGERPRINT=$2; shift 2 ;;
      --fingerprint=*) FINGERPRINT=${1#*=}; shift ;;
      --env) [ $# -ge 2 ] || die "--env needs GANTRY_NAME=VALUE"; add_env "$2"; shift 2 ;;
      --env=*) add_env "${1#*=}"; shift ;;
      *) die "unknown argument $1 (usage: install.sh install --server URL --token JOIN_TOKEN [--fingerprint SHA256] [--env GANTRY_NAME=VALUE]...)" ;;
    esac
  done
  if [ "$TOKEN" = - ]; then IFS= read -r TOKEN || true; fi
  [ -n "$TOKEN" ] || TOKEN=${GANTRY_JOIN_TOKEN:-}
  # Run again without them (a repair): what the installed agent.env says.
  [ -n "$SERVER" ] || SERVER=$(env_get GANTRY_SERVER_URL)
  [ -n "$TOKEN" ] || TOKEN=$(env_get GANTRY_JOIN_TOKEN)
  [ -n "$FINGERPRINT" ] || FINGERPRINT=$(env_get GANTRY_SERVER_FINGERPRINT)
  if [ -z "$EXTRA" ] && [ -f "$ENV_FILE" ]; then
    EXTRA=$(grep -E '^GANTRY_[A-Z0-9_]+=' "$ENV_FILE" | grep -vE '^GANTRY_(SERVER_URL|JOIN_TOKEN|SERVER_FINGERPRINT|ROOT|DOCKER_SOCKET)=')
    [ -n "$EXTRA" ] && EXTRA="$EXTRA
"
  fi
  [ -n "$SERVER" ] || die "--server URL is required (the control plane this host joins)"
  case $SERVER in http://* | https://*) ;; *) die "--server must start with http:// or https://" ;; esac
  valid_value "$SERVER" || die "--server holds characters a URL does not"
  valid_value "$TOKEN" || die "the join token holds characters a join token does not"
  valid_value "$FINGERPRINT" || die "--fingerprint holds characters a fingerprint does not"
}

add_env() {
  case $1 in
    GANTRY_SERVER_URL=* | GANTRY_JOIN_TOKEN=* | GANTRY_ROOT=* | GANTRY_DOCKER_SOCKET=*) die "--env ${1%%=*}: set by install.sh itself" ;;
    GANTRY_*=*) ;;
    *) die "--env takes GANTRY_NAME=VALUE, got ${1%%=*}" ;;
  esac
  valid_value "${1#*=}" || die "--env ${1%%=*}: the value may hold letters, digits and ._/:,@%+=- only"
  EXTRA="$EXTRA$1
"
}

install() {
  STEP=install
  need_root
  parse_install_args "$@"
  verify
  preflight || { STEP=install; die "preflight failed:$FAILED"; }
  STEP=install

  # What this run changes, so a failure puts back what was there.
  had_state=no; [ -d "$STATE" ] && had_state=yes
  had_prefix=no; [ -d "$PREFIX" ] && had_prefix=yes
  had_etc=no; [ -d "$ETC" ] && had_etc=yes
  old_current=$(readlink "$PREFIX/current" 2>/dev/null || true)
  env_backup=
  if [ -f "$ENV_FILE" ]; then env_backup=$ENV_FILE.bak.$$; cp -p "$ENV_FILE" "$env_backup"; fi
  joined=no; [ -s "$STATE/agent/credential" ] && joined=yes
  COPIED=

  if install_steps; then
    [ -n "$env_backup" ] && rm -f "$env_backup"
    say "installed version $VERSION: the agent runs as $([ "$INIT" = systemd ] && echo "$UNIT" || echo "a supervised process (pid file $SUPERVISOR_PID)")"
    return 0
  fi
  warn "undoing this install"
  stop_agent
  # What a new agent made (bridges, chains under this agent.env's names, its state), before agent.env is put back.
  if [ -z "$old_current" ] && [ "$had_state" = no ] && [ -d "$STATE" ]; then
    agent_uninstall "$PREFIX/versions/$VERSION" >/dev/null 2>&1
    rm -rf "$STATE"
  fi
  if [ -n "$old_current" ]; then
    point "$PREFIX/current" "$old_current"
  else
    rm -f "$PREFIX/current"
  fi
  if [ -n "$env_backup" ]; then mv -f "$env_backup" "$ENV_FILE"; else rm -f "$ENV_FILE"; fi
  [ "$had_etc" = no ] && rm -rf "$ETC"
  if [ -n "$old_current" ]; then
    # What ran before runs again.
    start_agent >/dev/null 2>&1 || warn "could not start the agent that was installed before"
  else
    [ "$INIT" = systemd ] && remove_unit
    rm -rf "$RUN"
  fi
  [ -n "$COPIED" ] && [ "$COPIED" != "$old_current" ] && rm -rf "$COPIED"
  [ "$had_prefix" = no ] && rm -rf "$PREFIX"
  die "install failed; this machine is as it was"
}

install_steps() {
  copy_version || return 1
  write_env || { warn "cannot write $ENV_FILE"; return 1; }
  say "wrote $ENV_FILE (mode 0600)"
  stop_agent
  point "$PREFIX/current" "$PREFIX/versions/$VERSION" || return 1
  say "current -> versions/$VERSION"
  start_agent || return 1
  if [ "$joined" = no ]; then wait_healthy yes; else wait_healthy no; fi || return 1
  forget_token
}

# The join token is spent once the agent holds its credential: agent.env keeps no secret the agent no longer reads.
forget_token() {
  [ -s "$STATE/agent/credential" ] && grep -q '^GANTRY_JOIN_TOKEN=' "$ENV_FILE" 2>/dev/null || return 0
  tmp=$ENV_FILE.tmp.$$
  (umask 077 && grep -v '^GANTRY_JOIN_TOKEN=' "$ENV_FILE" >"$tmp") && chmod 0600 "$tmp" && mv -f "$tmp" "$ENV_FILE" && say "removed the spent join token from $ENV_FILE"
}

upgrade() {
  STEP=upgrade
  need_root
  [ -f "$ENV_FILE" ] && [ -L "$PREFIX/current" ] || die "no agent is installed here (run install.sh install)"
  verify
  old=$(readlink "$PREFIX/current")
  old_version=$(version_of "$old")
  if [ "$old" = "$PREFIX/versions/$VERSION" ]; then
    say "version $VERSION is already current"
    wait_healthy no || die "version $VERSION is current but the agent is not up"
    return 0
  fi
  old_previous=$(readlink "$PREFIX/previous" 2>/dev/null || true)
  COPIED=
  copy_version || die "cannot copy version $VERSION into $PREFIX/versions"
  stop_agent
  point "$PREFIX/previous" "$old"
  point "$PREFIX/current" "$PREFIX/versions/$VERSION"
  say "current -> versions/$VERSION (was $old_version)"
  if start_agent && wait_healthy no; then
    prune_versions
    say "upgraded $old_version to $VERSION"
    return 0
  fi
  warn "version $VERSION did not come up: rolling back to $old_version"
  rollback
  STEP=upgrade
  # The failed version goes (when this run brought it), and previous points where it did before.
  [ -n "$COPIED" ] && rm -rf "$COPIED"
  if [ -n "$old_previous" ] && [ -d "$old_previous" ]; then point "$PREFIX/previous" "$old_previous"; else rm -f "$PREFIX/previous"; fi
  die "upgrade to $VERSION failed; $old_version runs again"
}

rollback() {
  STEP=rollback
  need_root
  prev=$(readlink "$PREFIX/previous" 2>/dev/null) || die "there is no previous version to roll back to"
  [ -d "$prev" ] || die "the previous version ($prev) is gone"
  cur=$(readlink "$PREFIX/current" 2>/dev/null || true)
  stop_agent
  point "$PREFIX/current" "$prev"
  if [ -n "$cur" ] && [ -d "$cur" ]; then point "$PREFIX/previous" "$cur"; else rm -f "$PREFIX/previous"; fi
  say "current -> $(basename "$prev")"
  start_agent || die "cannot start the agent of $(version_of "$prev")"
  wait_healthy no || die "the agent of $(version_of "$prev") did not come up either"
  say "rolled back to $(version_of "$prev")"
}

# Keeps current and previous; older versions go.
prune_versions() {
  cur=$(readlink "$PREFIX/current")
  prev=$(readlink "$PREFIX/previous" 2>/dev/null || true)
  for d in "$PREFIX"/versions/*; do
    [ -d "$d" ] || continue
    [ "$d" = "$cur" ] || [ "$d" = "$prev" ] || { rm -rf "$d"; say "removed old version $(basename "$d")"; }
  done
}

# --- uninstall ---------------------------------------------------------------------------------------------------
agent_uninstall() { # agent_uninstall VERSION_DIR: `gantry-agent uninstall --purge` with agent.env's configuration
  dir=$1
  [ -x "$dir/bin/node" ] || return 0
  (
    if [ -f "$ENV_FILE" ]; then
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in '' | '#'*) continue ;; *=*) export "$line" ;; esac
      done <"$ENV_FILE"
    fi
    export GANTRY_ROOT="$STATE" GANTRY_DOCKER_SOCKET="$RUN/docker.sock"
    exec "$dir/bin/node" "$dir/agent.mjs" uninstall --purge
  )
}

remove_unit() {
  if [ -f "$UNIT_DIR/$UNIT" ]; then
    systemctl disable --now "$UNIT" >/dev/null 2>&1 || true
    rm -f "$UNIT_DIR/$UNIT"
    systemctl daemon-reload 2>/dev/null || true
    say "removed $UNIT"
  fi
}

uninstall() {
  STEP=uninstall
  need_root
  stop_agent
  say "stopped the agent"
  remove_unit
  cur=$(readlink "$PREFIX/current" 2>/dev/null || true)
  if [ -n "$cur" ] && [ -d "$STATE" ]; then
    agent_uninstall "$cur" 2>&1 | sed 's/^/  | /' || true
    say "removed the agent's containers, networks and state"
  fi
  rm -rf "$PREFIX" "$ETC" "$STATE" "$RUN"
  say "removed $PREFIX, $ETC, $STATE and $RUN"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  preflight) preflight ;;
  install) install "$@" ;;
  upgrade) upgrade ;;
  rollback) rollback ;;
  uninstall) uninstall ;;
  supervise) supervise ;;
  *)
    echo "usage: install.sh preflight | install --server URL --token JOIN_TOKEN [--fingerprint SHA256] [--env GANTRY_NAME=VALUE]... | upgrade | rollback | uninstall" >&2
    exit 2
    ;;
esac
