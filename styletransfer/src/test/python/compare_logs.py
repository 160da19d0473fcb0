#!/usr/bin/python3
"""compare_logs.py OURS.jsonl TORCH.jsonl [BOUND]: per-step relative differences of the weighted losses of two runs
(stylegrad's --log-json and course_reference.py's --log), content, style and total each relative to its own
reference value (a reference 0 must be exactly 0); exits 1 if any exceeds BOUND (default 1e-3)."""
import json
import sys

ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ref = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bound = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-3
assert len(ours) == len(ref), f"{len(ours)} steps vs {len(ref)}"
worst = 0.0
for a, b in zip(ours, ref):
    # Each term on its own scale (the content term is ~1e-14 of the total); a reference 0 (step 0's content) must be 0.
    errs = [(0.0 if a[k] == 0 else float("inf")) if b[k] == 0 else abs(a[k] - b[k]) / abs(b[k]) for k in ("content", "style", "total")]
    worst = max(worst, max(errs))
    print(f"step {a['step']:3d}  total {a['total']:.6e} vs {b['total']:.6e}  content {a['content']:.4e} vs {b['content']:.4e}  max rel {max(errs):.2e}")
print(f"worst {worst:.2e} -> {'ok' if worst <= bound else 'FAIL'} (bound {bound})")
sys.exit(0 if worst <= bound else 1)
