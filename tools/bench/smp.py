"""smp.py - the multiprocessor table of `make bench-smp` (bench.py --smp).

Two CPUs in QEMU (-smp 2), the same kernel and initramfs (pvbench smp,
tools/bench/pvbench.c) booted natively and as PV guests on pvisor with
vcpus=2 in compat and fast mode, and with vcpus=1 in compat mode for the
baseline, alternating in every round like bench.py. Per configuration:

  speedup        2 * cpu_1job / cpu_2jobs: how much of a second CPU two
                 CPU-bound processes get (2.0: all of it; 1.0: none)
  ipi_pingpong   a pipe round trip between processes on CPU 0 and CPU 1
  tlb_shootdown  mmap+touch+munmap with another thread of the process
                 running on the other CPU (each munmap flushes it too)

with the PV ones also as a ratio to native. The guest says how many CPUs
it saw ("bench-cpus N"); a configuration that saw one has no ipi or tlb
row, and the table says so rather than leave a blank.

  build/bench/smp.csv, smp.md, smp-KIND-N.log
"""
import os
import re
import statistics
import subprocess
import sys

import bench

CONFIGS = [          # key, heading, mode, vcpus
    ("pv2", "compat, 2 vCPUs", None, 2),
    ("fast2", "fast, 2 vCPUs", "fast", 2),
    ("pv1", "compat, 1 vCPU", None, 1),
]
ROWS = ["cpu_1job", "cpu_2jobs", "ipi_pingpong", "tlb_shootdown"]


def build(scale):
    os.makedirs(bench.OUT, exist_ok=True)
    binary = os.path.join(bench.OUT, "pvbench")
    bench.sh("gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary,
             "tools/bench/pvbench.c")
    script = os.path.join(bench.OUT, "smp.sh")
    with open(script, "w") as f:
        f.write("echo BENCH-BEGIN\n/bin/pvbench smp %s\necho BENCH-END\n" % scale)
    initrd = os.path.join(bench.OUT, "smp.cpio.gz")
    bench.sh("tools/mkinitramfs", "-o", initrd, "-s", script, "-a", binary + ":/bin/pvbench")
    isos = {k: bench.make_iso("smp-" + k, initrd, "", mode=m, vcpus=v)
            for k, _, m, v in CONFIGS}
    return initrd, isos


def run(kind, n, initrd, iso, mem):
    log = os.path.join(bench.OUT, "smp-%s-%d.log" % (kind, n))
    cmd = ["tools/run", "-s", "2", "-m", mem, "-t", "1800", "-l", log]
    if kind == "native":
        cmd += ["-k", "build/linux/bzImage", "-r", initrd, "-a", "console=ttyS0 quiet"]
    else:
        cmd += [iso]
    print("bench-smp: %s run %d ..." % (kind, n), flush=True)
    subprocess.run(cmd, cwd=bench.ROOT, check=False)
    text = open(log, errors="replace").read().replace("\r", "")
    res = {m.group(1): float(m.group(2)) for m in
           re.finditer(r"^(?:\(bench\) )?bench (\S+) ([0-9.]+)$", text, re.M)}
    cpus = re.search(r"^(?:\(bench\) )?bench-cpus (\d+)$", text, re.M)
    if "cpu_2jobs" not in res or not cpus:
        sys.exit("bench-smp: no results in %s; its tail:\n%s" % (log, text[-2000:]))
    res["cpus"] = int(cpus.group(1))
    return res


def main(rounds, scale, mem):
    initrd, isos = build(scale)
    kinds = ["native"] + [k for k, _, _, _ in CONFIGS]
    res = {k: [] for k in kinds}
    for n in range(rounds):
        for k in kinds:
            res[k].append(run(k, n, initrd, isos.get(k), mem))
    med = {}
    for k in kinds:
        med[k] = {"cpus": min(r["cpus"] for r in res[k])}
        for row in ROWS:
            vals = [r[row] for r in res[k] if row in r]
            med[k][row] = statistics.median(vals) if len(vals) == len(res[k]) else None
        med[k]["speedup"] = 2 * med[k]["cpu_1job"] / med[k]["cpu_2jobs"]
    heads = [("native", "native SMP")] + [(k, h) for k, h, _, _ in CONFIGS]
    lines = ["# pvisor: two CPUs, PV guests with 2 vCPUs and 1 vs native SMP, QEMU TCG -smp 2", "",
             "Median of %d alternating rounds. speedup = 2 x cpu_1job / cpu_2jobs (2.0: two "
             "CPU-bound processes each get a whole CPU). ns per operation as the guest measures "
             "it; in brackets the ratio to native." % rounds, "",
             "| | " + " | ".join(h for _, h in heads) + " |",
             "|---|" + "---:|" * len(heads)]
    lines.append("| CPUs the guest saw | " + " | ".join(str(med[k]["cpus"]) for k, _ in heads) + " |")
    lines.append("| speedup | " + " | ".join("%.2f" % med[k]["speedup"] for k, _ in heads) + " |")
    for row in ROWS:
        cells = []
        for k, _ in heads:
            v, nat = med[k][row], med["native"][row]
            if v is None:
                cells.append("(one CPU)")
            elif k == "native" or nat is None:
                cells.append("%.0f" % v)
            else:
                cells.append("%.0f (%.2f)" % (v, v / nat))
        lines.append("| %s ns | " % row + " | ".join(cells) + " |")
    with open(os.path.join(bench.OUT, "smp.csv"), "w") as f:
        f.write("config,cpus,speedup," + ",".join(ROWS) + "\n")
        for k in kinds:
            f.write("%s,%d,%.3f," % (k, med[k]["cpus"], med[k]["speedup"]) +
                    ",".join("" if med[k][r] is None else "%.1f" % med[k][r] for r in ROWS) + "\n")
    with open(os.path.join(bench.OUT, "smp.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
