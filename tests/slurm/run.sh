#!/usr/bin/env bash
# `make test-slurm`: a one-node SLURM cluster from the distribution's packages, a small sweep
# through it with the cluster preset (hydra/launcher=slurm, Hydra's submitit launcher), and a
# check that its sweep table equals the table of the same sweep run on this machine by the
# laptop preset (hydra/launcher=parallel).
#
# Needs root (slurmctld, slurmd and munged run as root) and Debian or Ubuntu: when slurmctld,
# slurmd, sbatch or munged is missing, `apt-get install slurm-wlm munge` installs them. No
# systemd: the daemons are started here, in the foreground of background shells, with every
# file (configuration, key, sockets, state, logs) in one fresh temporary directory and ports
# that were free. On exit, pass or fail, the script cancels the jobs of its own cluster, stops
# the three daemons it started (by process id) and removes its directory; nothing else is
# touched (an existing SLURM or munge installation keeps running, untouched). Installed
# packages stay installed.
#
# Environment: PYTHON (the interpreter with the project and its test extra; default
# .venv/bin/python), AIGOV_SLURM_KEEP=1 keeps the temporary directory for inspection.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
SWEEP=(scenario=baseline,exclusive_club seed=0,1 steps=12)
TIMEOUT=${AIGOV_SLURM_TIMEOUT:-900}   # seconds for each sweep

say() { echo "test-slurm: $*"; }
die() { echo "error: test-slurm: $*" >&2; exit 2; }

[[ $(id -u) == 0 ]] || die "needs root (it starts munged, slurmctld and slurmd); run it as root, e.g. in a container"
[[ -x $PY ]] || die "PYTHON=$PY is not an executable; run 'make venv' first or set PYTHON"
[[ $PY == /* ]] || PY=$PWD/$PY   # the sweeps run from the temporary folder
"$PY" -c "import hydra_plugins.hydra_submitit_launcher" 2>/dev/null \
  || die "hydra-submitit-launcher is not installed for $PY; install the project with its 'slurm' or 'test' extra"

need=()
for cmd in slurmctld slurmd sbatch squeue scontrol munged; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
if ((${#need[@]})); then
  command -v apt-get >/dev/null 2>&1 || die "missing ${need[*]} and no apt-get to install slurm-wlm and munge"
  say "installing slurm-wlm and munge (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aigov-slurm.XXXXXX")
chmod 755 "$WORK"
PIDS=()        # daemons this script started, in start order
CLEANED=0
cleanup() {
  local rc=$?
  ((CLEANED)) && return
  CLEANED=1
  set +e
  if [[ -n ${SLURM_CONF:-} ]] && ((${#PIDS[@]} >= 2)); then
    scancel --full --quiet --partition=aigov 2>/dev/null   # only this cluster's partition
    for _ in $(seq 1 30); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
      sleep 1
    done
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done
  if ((rc != 0)); then
    for f in "$WORK"/log/*.log; do
      [[ -f $f ]] && { echo "--- last lines of ${f#"$WORK"/}"; tail -n 15 "$f"; }
    done
  fi
  if [[ ${AIGOV_SLURM_KEEP:-0} == 1 ]]; then
    say "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK"/{etc,run,state,spool,log,munge,out}
chmod 700 "$WORK/munge"
chmod 755 "$WORK/run"

# munge: a fresh key, its own socket, in the foreground of a background shell.
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
SOCKET=$WORK/run/munge.socket
munged --foreground --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
  --pid-file="$WORK/run/munged.pid" --log-file="$WORK/log/munged.log" \
  --seed-file="$WORK/munge/munged.seed" >>"$WORK/log/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do [[ -S $SOCKET ]] && break; sleep 0.1; done
[[ -S $SOCKET ]] || die "munged did not create its socket"

# Two ports nobody listens on, for slurmctld and slurmd.
read -r CTLD_PORT SLURMD_PORT < <("$PY" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
EOF
)

HOST=$(hostname -s)
NODE=$(slurmd -C | head -n 1)   # NodeName=HOST CPUs=... RealMemory=... as slurmd sees them
export SLURM_CONF=$WORK/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
# One-node test cluster of make test-slurm (tests/slurm/run.sh)
ClusterName=aigovtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
$NODE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=aigov Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >>"$WORK/log/slurmctld.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || die "slurmctld did not come up"
slurmd -D -f "$SLURM_CONF" >>"$WORK/log/slurmd.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  [[ $(sinfo -h -o %t 2>/dev/null) == idle ]] && break
  sleep 0.2
done
[[ $(sinfo -h -o %t 2>/dev/null) == idle ]] || die "slurmd did not register (node state: $(sinfo -h -o %t 2>/dev/null))"
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %t') (slurm $(sinfo -V | cut -d' ' -f2), $WORK)"

# The same sweep twice: on this machine (laptop preset) and through SLURM (cluster preset).
cd "$WORK/out"
start=$SECONDS
timeout "$TIMEOUT" "$PY" -m sim -m "${SWEEP[@]}" hydra/launcher=parallel \
  "hydra.sweep.dir=$WORK/out/parallel" >"$WORK/log/sweep-parallel.log" 2>&1 \
  || die "the laptop sweep failed (exit $?): $(tail -n 1 "$WORK/log/sweep-parallel.log")"
say "laptop preset: ${SWEEP[*]} in $((SECONDS - start)) s"
start=$SECONDS
timeout "$TIMEOUT" "$PY" -m sim -m "${SWEEP[@]}" hydra/launcher=slurm \
  hydra.launcher.partition=aigov "hydra.sweep.dir=$WORK/out/slurm" \
  >"$WORK/log/sweep-slurm.log" 2>&1 \
  || die "the SLURM sweep failed (exit $?): $(tail -n 1 "$WORK/log/sweep-slurm.log")"
say "cluster preset: the same sweep in $((SECONDS - start)) s"

# Each job was an array task that SLURM ran to completion on the node. submitit returns as soon
# as a task has written its result, while SLURM may still hold the task in COMPLETING for a
# moment: wait (up to 30 s) until no task is pending, running or completing.
for _ in $(seq 1 150); do
  scontrol show job -o 2>/dev/null | grep -qE 'JobState=(PENDING|RUNNING|COMPLETING)' || break
  sleep 0.2
done
scontrol show job -o >"$WORK/log/jobs.txt" 2>/dev/null || true
"$PY" - "$WORK/out/parallel" "$WORK/out/slurm" "$WORK/log/jobs.txt" <<'EOF'
import re
import sys
from pathlib import Path

import pandas as pd

laptop, cluster = (pd.read_parquet(Path(d) / "sweep.parquet") for d in sys.argv[1:3])
jobs = Path(sys.argv[3]).read_text().splitlines()
done = [j for j in jobs if re.search(r"\bArrayTaskId=\d+\b", j) and "JobState=COMPLETED" in j]
if len(done) != len(cluster):
    sys.exit(f"error: test-slurm: {len(cluster)} sweep jobs but {len(done)} completed SLURM "
             f"array tasks (scontrol show job: {len(jobs)} jobs)")
if not (cluster["status"] == "ok").all():
    sys.exit(f"error: test-slurm: jobs not ok under SLURM:\n{cluster[cluster.status != 'ok']}")
try:
    pd.testing.assert_frame_equal(cluster, laptop)
except AssertionError as exc:
    sys.exit(f"error: test-slurm: the SLURM sweep table differs from the laptop one: {exc}")
print(f"test-slurm: same sweep table under both launchers: {len(cluster)} rows x "
      f"{cluster.shape[1]} columns, {len(done)} SLURM array tasks completed; outcomes "
      f"{ {k: int(v) for k, v in cluster['outcome'].value_counts().items()} }")
EOF
say "passed"
