"""Runs the PyTorch reference training loop (train_ref.py, unmodified) on given initial weights and batches and records
what it did at every step: the loss terms, each row's halting decision and step count, the q_halt logits, and the
weights after chosen steps.

    python3 ref_trace.py --ref-dir DIR --out trace.json [--weights-at 1,5,10] -- <train_ref.py arguments>

train_ref.py reads its batches with json.load and asks for batch k at the start of step k + 1, after step k is
complete. The batch list handed to it is a list whose item lookup first records step k from the script's globals
(`out`, `h`, `ns`, `model`); the last step is recorded from the globals the script leaves when it ends.
"""
import argparse
import json
import os
import runpy
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--ref-dir", required=True, help="folder holding train_ref.py and its model modules")
ap.add_argument("--out", required=True, help="trace JSON to write")
ap.add_argument("--weights-at", default="", help="comma-separated steps after which to record every weight")
ap.add_argument("ref_args", nargs=argparse.REMAINDER)
args = ap.parse_args()
ref_args = args.ref_args[1:] if args.ref_args[:1] == ["--"] else args.ref_args
weights_at = {int(s) for s in args.weights_at.split(",") if s.strip()}
script = os.path.join(args.ref_dir, "train_ref.py")
if not os.path.exists(script):
    sys.exit(f"ref_trace.py: {script} does not exist (--ref-dir)")

trace = {"steps": [], "weights": {}}


def record(g, step):
    out, h, ns, model = g["out"], g["h"], g["ns"], g["model"]
    trace["steps"].append(dict(
        step=step,
        loss=out["loss"].item(), lm=out["lm_loss"].item(), q_halt=out["q_halt_loss"].item(),
        q_continue=float(out["q_continue_loss"].item()),
        halted=[int(x) for x in h.tolist()], steps=[int(x) for x in ns.tolist()],
        q_halt_logits=[float(x) for x in out["q_halt"].detach().tolist()],
    ))
    if step in weights_at:
        state = {"inner." + k: v for k, v in model.state_dict().items()}
        trace["weights"][str(step)] = {k: [float(x) for x in v.detach().reshape(-1).tolist()] for k, v in state.items()}


class Batches(list):
    """The dumped batch list; looking up batch k (k >= 1) first records step k."""
    def __getitem__(self, k):
        if isinstance(k, int) and k >= 1 and len(trace["steps"]) < k:
            record(sys._getframe(1).f_globals, k)
        return list.__getitem__(self, k)


_json_load = json.load


def load_hooked(fp, *a, **kw):
    obj = _json_load(fp, *a, **kw)
    if isinstance(obj, dict) and isinstance(obj.get("batches"), list):
        obj["batches"] = Batches(obj["batches"])
    return obj


json.load = load_hooked
sys.argv = [script] + ref_args
g = runpy.run_path(script, run_name="__main__")
json.load = _json_load
if "out" in g and len(trace["steps"]) < g["step"]:
    record(g, g["step"])
with open(args.out, "w") as f:
    json.dump(trace, f)
