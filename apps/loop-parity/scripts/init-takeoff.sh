#!/usr/bin/env bash
# Does the starting point decide take-off? The PyTorch reference loop (`train_ref.py`) trained on one fixed batch order
# from N of this project's initial draws (seeds 0..N-1, `loop-parity --dump-only`) and from N of torch's own draws
# (`train_ref.py --seed`), TRM with attention and learned positions on the comparison's 4x4 Sudoku; then the take-off
# rate of each side and every run's final test exact accuracy and training loss.
#
#   pnpm init-takeoff [--out DIR] [--seeds "0 1 2 3 4"] [--sides "torch project"] [--steps 2748] [--jobs 2]
#                     [--summary-only]      (or: bash apps/loop-parity/scripts/init-takeoff.sh ...)
#
# Both sides use the same batches (fit's sampler, seed 0) and, for seed s, the same exploration draws (train_ref.py
# --seed s); only the initial weights differ. Runs go under `nice -n 19`, --jobs at a time; a finished run is not
# trained again. Needs `pnpm build`, /usr/bin/python3 with torch and numpy (or $PYTHON) and the reference folder
# ($TRM_TORCH_REF, default ../shared/anchors/torch_ref beside the repository).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$root/runs/init-takeoff
seeds="0 1 2 3 4"
sides="torch project"
steps=2748
jobs=2
summary_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2;;
    --seeds) seeds=$2; shift 2;;
    --sides) sides=$2; shift 2;;
    --steps) steps=$2; shift 2;;
    --jobs) jobs=$2; shift 2;;
    --summary-only) summary_only=1; shift;;
    -h|--help) sed -n 2,13p "$0"; exit 0;;
    *) echo "init-takeoff.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
for side in $sides; do
  case $side in torch|project) ;; *) echo "init-takeoff.sh: --sides: unknown side '$side' (torch, project)" >&2; exit 2;; esac
done
case $steps in ''|*[!0-9]*) echo "init-takeoff.sh: --steps: expected a positive integer, got '$steps'" >&2; exit 2;; esac
case $jobs in ''|*[!0-9]*|0) echo "init-takeoff.sh: --jobs: expected a positive integer, got '$jobs'" >&2; exit 2;; esac
python=${PYTHON:-/usr/bin/python3}
ref_dir=${TRM_TORCH_REF:-$root/../shared/anchors/torch_ref}
train_cli=$root/apps/train/dist/cli.js
parity_cli=$root/apps/loop-parity/dist/cli.js
data=$out/data/sudoku4

run() {
  local side=$1 s=$2 res=$out/$1-s$2.jsonl init=()
  [ "$side" = project ] && init=(--init "$out/start-s$s/init.safetensors")
  echo "$(date -u +%H:%M:%S) train_ref.py from the $side draw of seed $s"
  (cd "$ref_dir" && nice -n 19 "$python" train_ref.py --data "$data" --model trm --L-layers 2 --pos learned --lr 2e-3 \
    --steps "$steps" --ema 0.9 --seed "$s" --threads 1 --log-every 50 --eval-rows 256 \
    --batches "$out/start-s0/batches.json" "${init[@]}" > "$res.part" 2>&1) && mv "$res.part" "$res" \
    || echo "train_ref.py ($side seed $s) failed: see $res.part" >&2
}
worker() {
  for s in $seeds; do for side in $sides; do
    grep -q '"final": true' "$out/$side-s$s.jsonl" 2>/dev/null && continue
    mkdir "$out/.claims/$side-s$s" 2>/dev/null || continue
    run "$side" "$s"
  done; done
}

if [ $summary_only = 0 ]; then
  "$python" -c "import torch, numpy" 2>/dev/null \
    || { echo "init-takeoff.sh: $python cannot import torch and numpy (Debian: apt-get install -y python3-torch python3-numpy)" >&2; exit 2; }
  [ -f "$ref_dir/train_ref.py" ] || { echo "init-takeoff.sh: no train_ref.py in $ref_dir (set TRM_TORCH_REF)" >&2; exit 2; }
  [ -f "$train_cli" ] && [ -f "$parity_cli" ] || { echo "init-takeoff.sh: run pnpm build first ($train_cli, $parity_cli)" >&2; exit 2; }
  # The comparison's generated data (apps/compare, scenario sudoku4, seed 0): 1000 minimal 4x4 puzzles x 16, 256 test.
  if [ ! -f "$data/test/dataset.json" ]; then
    node "$train_cli" build-data --generate sudoku:size=4,train=1000,test=256 --aug 15 --seed 0 --out "$data" >/dev/null
  fi
  # Seed 0's batches for everyone; this project's initial weights per seed (the batches of the other seeds are unused).
  for s in 0 $seeds; do
    [ -f "$out/start-s$s/batches.json" ] || nice -n 10 node "$parity_cli" --dump-only --data "$data" --seed "$s" \
      --steps "$steps" --out "$out/start-s$s" >/dev/null
  done
  rm -rf "$out/.claims"; mkdir -p "$out/.claims"
  pids=()
  for _ in $(seq "$jobs"); do worker & pids+=($!); done
  wait "${pids[@]}"
fi

# The table. Took off = final test exact accuracy (EMA weights, 256 test puzzles, 16 supervision steps) of at least 10%.
OUT=$out SEEDS=$seeds SIDES=$sides "$python" - <<'EOF'
import json, math, os
out, seeds, sides = os.environ["OUT"], os.environ["SEEDS"].split(), os.environ["SIDES"].split()
names = {"torch": "torch's draw (train_ref.py --seed)", "project": "this project's draw (loop-parity --dump-only)"}
def read(side, s):
    try:
        rows = [json.loads(l) for l in open(f"{out}/{side}-s{s}.jsonl") if l.startswith("{")]
    except FileNotFoundError:
        return None
    final = next((r for r in rows if r.get("final")), None)
    if not final: return None
    lm = {r["step"]: r["lm"] for r in rows if "lm" in r}
    def window(end):
        vs = [v for k, v in lm.items() if end - 250 < k <= end]
        return f"{sum(vs) / len(vs):.3f}" if vs else "n/a"
    return final["test_exact"], final["test_token"], window(1500), window(2500)
print("| initial weights | " + " | ".join(f"seed {s}" for s in seeds) + " | took off |")
print("|---|" + "---|" * len(seeds) + "---|")
for side in sides:
    rs = [read(side, s) for s in seeds]
    done = [r for r in rs if r]
    took = sum(1 for r in done if r[0] >= 0.1)
    cells = [f"{r[0]*100:.1f}%" if r else "not run" for r in rs]
    print(f"| {names[side]} | " + " | ".join(cells) + f" | {took} of {len(done)} |")
print()
print("Training lm loss, mean of the logged 50-step means over steps 1,251-1,500 and 2,251-2,500:")
for side in sides:
    rs = [(s, read(side, s)) for s in seeds]
    print(f"- {side}: " + ", ".join(f"seed {s}: {r[2]} / {r[3]}" for s, r in rs if r))
EOF
