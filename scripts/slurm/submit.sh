#!/bin/bash
# Runs a basins experiment as a Slurm job array of N shards and a dependent merge job:
#   scripts/slurm/submit.sh [--gpu] [--wait] N OUTDIR <experiment> [options…]
#   scripts/slurm/submit.sh --gpu 16 runs/table1 du-table1 --restarts 5000
#   scripts/slurm/submit.sh 3 runs/small du-table1 --cpu --k 25 --ratio 4 --restarts 200
# --gpu asks for one GPU per shard (--gres=gpu:1); --wait returns when the merge has finished
# (sbatch --wait), with its exit status. Extra sbatch flags (partition, account, time):
# BASINS_SBATCH="--partition=gpu --time=04:00:00". Prints the two job ids.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
gres=() wait=()
while [ $# -gt 0 ]; do
  case "$1" in
    --gpu) gres=(--gres=gpu:1); shift ;;
    --wait) wait=(--wait); shift ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
  echo "usage: $0 [--gpu] [--wait] N OUTDIR <experiment> [options…]  (N ≥ 1 shards)" >&2
  exit 2
fi
n="$1" out="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
# shellcheck disable=SC2086
array=$(sbatch --parsable ${BASINS_SBATCH:-} "${gres[@]}" --array="0-$((n - 1))" --chdir="$out" \
  --export="ALL,BASINS_OUT=$out,BASINS_SHARDS=$n,BASINS_REPO=$repo" "$here/basins-array.sbatch" "$@")
array="${array%%;*}"
echo "shards: job $array (array 0-$((n - 1)))"
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${BASINS_SBATCH:-} "${wait[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes --chdir="$out" \
  --export="ALL,BASINS_OUT=$out,BASINS_REPO=$repo" "$here/basins-merge.sbatch")
merge="${merge%%;*}"
echo "merge: job $merge (after job $array succeeds)"
if [ ${#wait[@]} -gt 0 ]; then
  # sbatch --wait returns 0 for a merge cancelled because a shard failed: ask for its state.
  state=$(scontrol show job -o "$merge" | grep -o 'JobState=[A-Z_]*' || true)
  if [ "$state" != "JobState=COMPLETED" ]; then
    echo "the merge did not complete ($state): a shard failed; see $out/basins-shard-${array}_*.out" >&2
    exit 1
  fi
fi
