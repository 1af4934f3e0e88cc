#!/usr/bin/env bash
# Learning side by side: this project's `trm-train fit` and the PyTorch reference loop (`train_ref.py`) trained on the
# same generated 4x4 Sudoku, per model and seed; then a Markdown table of the final test exact accuracy (EMA weights,
# 256 unseen puzzles, 16 supervision steps) and the take-off rate.
#
#   pnpm learning-parity [--out DIR] [--models "trm-att hrm trm-mlp"] [--seeds "0 1 2"] [--sides "ref ts"]
#                        [--summary-only]      (or: bash apps/loop-parity/scripts/learning-parity.sh ...)
#
# Two runs at a time (the reference with one torch thread), each under `nice -n 5`. A run whose result file exists
# is not trained again, so an interrupted table resumes where it stopped. Needs `pnpm build`, /usr/bin/python3 with
# torch and numpy (or $PYTHON) and the reference folder ($TRM_TORCH_REF, default ../shared/anchors/torch_ref beside
# the repository).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$root/runs/learning-parity
models="trm-att hrm trm-mlp"
seeds="0 1 2"
sides="ref ts"
summary_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2;;
    --models) models=$2; shift 2;;
    --seeds) seeds=$2; shift 2;;
    --sides) sides=$2; shift 2;;
    --summary-only) summary_only=1; shift;;
    -h|--help) sed -n 2,12p "$0"; exit 0;;
    *) echo "learning-parity.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
python=${PYTHON:-/usr/bin/python3}
ref_dir=${TRM_TORCH_REF:-$root/../shared/anchors/torch_ref}
cli=$root/apps/train/dist/cli.js
data=$out/data/sudoku4

for m in $models; do
  case $m in trm-att|trm-mlp|hrm) ;; *) echo "learning-parity.sh: --models: unknown model '$m' (trm-att, trm-mlp, hrm)" >&2; exit 2;; esac
done

# Per model: train_ref.py options and the same run as a trm-train config (batch 32, AdamATan2, warm-up 10, weight
# decay 0.1 on both optimisers, puzzle-embedding lr 1e-2, EMA 0.9, 16 supervision steps, exploration 0.1).
mkdir -p "$out/cfg"
common='"global_batch_size":32,"epochs":1000000,"lr_min_ratio":1,"lr_warmup_steps":10,"beta1":0.9,"beta2":0.95,"weight_decay":0.1,"puzzle_emb_lr":0.01,"puzzle_emb_weight_decay":0.1,"ema":true,"ema_rate":0.9,"eval_max_examples":256,"log_every_steps":50,"checkpoint_every_steps":100000'
ref_args() {
  case $1 in
    trm-att) echo "--model trm --L-layers 2 --pos learned --lr 2e-3 --steps 2748";;
    trm-mlp) echo "--model trm --L-layers 2 --mlp-t --pos none --lr 5e-3 --steps 782";;
    hrm) echo "--model hrm --H-layers 1 --L-layers 1 --pos learned --lr 2e-3 --steps 3910";;
  esac
}
cat > "$out/cfg/trm-att.json" <<EOF
{"task":"sudoku","arch":{"name":"trm","hidden_size":32,"num_heads":2,"expansion":4,"H_layers":0,"L_layers":2,"H_cycles":2,"L_cycles":2,"puzzle_emb_ndim":32,"puzzle_emb_len":1,"pos_encodings":"learned","mlp_t":false,"halt_max_steps":16,"halt_exploration_prob":0.1,"no_ACT_continue":true},"max_steps":2748,"lr":0.002,$common}
EOF
cat > "$out/cfg/trm-mlp.json" <<EOF
{"task":"sudoku","arch":{"name":"trm","hidden_size":32,"num_heads":2,"expansion":4,"H_layers":0,"L_layers":2,"H_cycles":2,"L_cycles":2,"puzzle_emb_ndim":32,"puzzle_emb_len":1,"pos_encodings":"none","mlp_t":true,"halt_max_steps":16,"halt_exploration_prob":0.1,"no_ACT_continue":true},"max_steps":782,"lr":0.005,$common}
EOF
cat > "$out/cfg/hrm.json" <<EOF
{"task":"sudoku","arch":{"name":"hrm","hidden_size":32,"num_heads":2,"expansion":4,"H_layers":1,"L_layers":1,"H_cycles":2,"L_cycles":2,"puzzle_emb_ndim":32,"pos_encodings":"learned","halt_max_steps":16,"halt_exploration_prob":0.1},"max_steps":3910,"lr":0.002,$common}
EOF

run_ref() {
  local m=$1 s=$2 res=$out/ref-$1-s$2.jsonl
  echo "$(date -u +%H:%M:%S) reference $m seed $s"
  # shellcheck disable=SC2046
  (cd "$ref_dir" && nice -n 5 "$python" train_ref.py --data "$data" $(ref_args "$m") --ema 0.9 --seed "$s" \
    --threads 1 --log-every 250 --eval-rows 256 > "$res.part" 2>&1) && mv "$res.part" "$res" \
    || echo "reference $m seed $s failed: see $res.part" >&2
}
run_ts() {
  local m=$1 s=$2 run=$out/ts-$1-s$2
  echo "$(date -u +%H:%M:%S) trm-train $m seed $s"
  { nice -n 5 node "$cli" fit --task sudoku --data "$data" --config "$out/cfg/$m.json" --set "seed=$s" --out "$run" \
      --overwrite --quiet \
    && nice -n 5 node "$cli" eval --run "$run" --max-examples 256 --out "$run/eval.json.part" >/dev/null \
    && mv "$run/eval.json.part" "$run/eval.json"; } > "$out/ts-$m-s$s.log" 2>&1 \
    || echo "trm-train $m seed $s failed: see $out/ts-$m-s$s.log" >&2
}
done_already() {
  case $1 in
    ref) grep -q '"final": true' "$out/ref-$2-s$3.jsonl" 2>/dev/null;;
    ts) [ -f "$out/ts-$2-s$3/eval.json" ];;
  esac
}
# Two workers take the runs in order (models in the order given, then seeds, each seed on both sides); a run is
# claimed with mkdir so no run is trained twice.
worker() {
  for m in $models; do for s in $seeds; do for side in ts ref; do
    case " $sides " in *" $side "*) ;; *) continue;; esac
    done_already "$side" "$m" "$s" && continue
    mkdir "$out/.claims/$side-$m-s$s" 2>/dev/null || continue
    "run_$side" "$m" "$s"
  done; done; done
}

if [ $summary_only = 0 ]; then
  case " $sides " in *" ref "*) "$python" -c "import torch, numpy" 2>/dev/null \
    || { echo "learning-parity.sh: $python cannot import torch and numpy (Debian: apt-get install -y python3-torch python3-numpy)" >&2; exit 2; }
    [ -f "$ref_dir/train_ref.py" ] || { echo "learning-parity.sh: no train_ref.py in $ref_dir (set TRM_TORCH_REF)" >&2; exit 2; };;
  esac
  # The comparison's generated data (apps/compare, scenario sudoku4, seed 0): 1000 minimal 4x4 puzzles x 16, 256 test.
  if [ ! -f "$data/test/dataset.json" ]; then
    [ -f "$cli" ] || { echo "learning-parity.sh: $cli is missing; run pnpm build first" >&2; exit 2; }
    node "$cli" build-data --generate sudoku:size=4,train=1000,test=256 --aug 15 --seed 0 --out "$data" >/dev/null
  fi
  rm -rf "$out/.claims"; mkdir -p "$out/.claims"
  worker & w1=$!
  worker & w2=$!
  wait "$w1" "$w2"
fi

# The table: one row per model and implementation. Took off = final test exact accuracy of at least 10%.
OUT=$out MODELS=$models SEEDS=$seeds "$python" - <<'EOF'
import json, os
out, models, seeds = os.environ["OUT"], os.environ["MODELS"].split(), os.environ["SEEDS"].split()
names = {"trm-att": "TRM-Att", "trm-mlp": "TRM-MLP", "hrm": "HRM"}
def ref(m, s):
    try:
        for line in open(f"{out}/ref-{m}-s{s}.jsonl"):
            if line.startswith('{"final": true'):
                r = json.loads(line); return r["test_exact"], r["test_token"], r["sec"]
    except FileNotFoundError: pass
    return None
def ts(m, s):
    try:
        e = json.load(open(f"{out}/ts-{m}-s{s}/eval.json"))
        sec = None
        for line in open(f"{out}/ts-{m}-s{s}/metrics.jsonl"):
            r = json.loads(line)
            if "elapsed_seconds" in r: sec = r["elapsed_seconds"]
        return e["exact_accuracy"], e["accuracy"], sec
    except FileNotFoundError: return None
print("| model | implementation | " + " | ".join(f"seed {s}: test exact (cells)" for s in seeds) + " | took off |")
print("|---|---|" + "---|" * len(seeds) + "---|")
for m in models:
    for side, get in (("PyTorch reference", ref), ("this project", ts)):
        rs = [get(m, s) for s in seeds]
        cells = [f"{r[0]*100:.1f}% ({r[1]*100:.1f}%)" if r else "not run" for r in rs]
        done = [r for r in rs if r]
        took = sum(1 for r in done if r[0] >= 0.1)
        print(f"| {names[m]} | {side} | " + " | ".join(cells) + f" | {took} of {len(done)} |")

# Training loss (lm, per row) over 250-step windows: the reference logs the mean of every step of the window; this
# project's mean is over the steps it logged (every 50th), so it is noisier.
def ref_curve(m, s):
    try:
        return {r["step"]: r["lm"] for r in map(json.loads, open(f"{out}/ref-{m}-s{s}.jsonl")) if "lm" in r}
    except FileNotFoundError: return None
def ts_curve(m, s):
    try:
        rows = [r for r in map(json.loads, open(f"{out}/ts-{m}-s{s}/metrics.jsonl")) if r.get("split") == "train"]
    except FileNotFoundError: return None
    curve = {}
    for r in rows:
        w = -(-r["step"] // 250) * 250
        curve.setdefault(w, []).append(r["lm_loss"])
    return {w: sum(v) / len(v) for w, v in curve.items()}
print()
print("Training lm loss, mean over 250-step windows ending at the step shown (reference / this project):")
print()
for m in models:
    for s in seeds:
        r, t = ref_curve(m, s), ts_curve(m, s)
        if not r or not t: continue
        last = max(r)
        ws = [w for w in (250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500) if w < last]
        print(f"- {names[m]} seed {s}: " + ", ".join(
            f"{w}: {r[w]:.2f} / {t[w]:.2f}" for w in ws if w in r and w in t))
EOF
