#!/usr/bin/env python3
"""bench.py - the PV-vs-native benchmark behind `make bench`.

The same kernel (build/linux: vmlinux for PV, bzImage for native) and the
same initramfs, holding the static pvbench binary (tools/bench/pvbench.c),
boot in the same QEMU (TCG, no VT-x) twice per round: natively, and as a PV
guest on pvisor. Rounds alternate native and PV so that drift in the host's
load affects both alike; each benchmark's result is the median over rounds
of the medians the guest reports. The output is the ratio PV / native per
operation, with the hypervisor's own counters for the PV runs (`stats`)
so the ratio can be explained. The same PV guest also boots in fast mode
(mode=fast: its kernel in ring 1 behind the switcher), a column of its own
beside compat mode's; --fastpath-off adds fast mode with the switcher's
fast paths off (fastpath=off), to show what they save, and --no-fast
leaves fast mode out. If the kernel carries the guest patches'
xen_ptwr= switch (guest-patches/linux-6.1), a third configuration boots
with xen_ptwr=off: page-table writes by explicit hypercalls instead of
trapped and emulated writes, the same kernel otherwise.

  build/bench/results.csv   name, native_ns, pv_ns, ratio, and *_ns per further column
  build/bench/results.md    the table, with the hypercall and trap counts
  build/bench/ratios.png    the ratios as bars (gnuplot), if gnuplot exists
  build/bench/*.log         the serial logs of every run

With --hv-b TREE a further configuration boots the same PV guest on the
hypervisor of another pvisor checkout (an older commit, built: TREE/build/
hv.elf, its ISO made by TREE/tools/mkiso, which knows that hypervisor's
module syntax), alternating with the others in every round: the column
"B / PV" is the A/B comparison of two hypervisors on the same kernel in one
run, the way a change is shown not to cost.
--no-explicit leaves out the xen_ptwr=off configuration (a shorter run).
--qemu ARGS gives every boot more QEMU arguments: with "-icount shift=0"
the guest's clock follows the instructions QEMU executes (1 ns each), so
an A/B counts instructions, repeatable to a few digits, where wall time
under TCG swings by tens of percent with the host's load.

After that table (`make bench`) come two more, each also alone with its
option (--no-smp and --no-io leave them out; --hv-b leaves both out, since
an A/B compares the first table only):

--smp (`make bench-smp`): the multiprocessor table (tools/bench/smp.py):
two CPUs in QEMU, the guest with vcpus=2 (and 1), native SMP alongside:

  build/bench/smp.csv, smp.md, smp-*.log

--io (`make bench-io`): network and disk between guests through a driver
domain (tools/bench/iobench.py): TCP and ping between two guests, a block
device served by the driver domain, beside loopback, tmpfs and a RAM disk
in the same run and natively, with the grant and event counters:

  build/bench/io.csv, io.md, io-*.log

With --scale-n LIST (`make bench-scale`) it measures the scale curve
instead (tools/bench/scale.py): for each N of LIST, N Linux guests of 40 MiB
in one QEMU, the time until all reached /init and one busy guest's
throughput among N-1 idle ones:

  build/bench/scale.json, scale.csv, scale.md, scale.png, scale-N.log

Usage: tools/bench/bench.py [--rounds N] [--scale X] [--mem 512M] [--smp | --io]
                            [--no-smp] [--no-io]
                            [--hv-b OTHER-TREE] [--no-explicit] [--qemu ARGS]
                            [--no-fast] [--fastpath-off]
       tools/bench/bench.py --scale-n 1,4,16,64 [--scale-rounds R] [--scale-secs S]
                            [--scale-probe N] [--scale-qemu ARGS]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "bench")


def sh(*cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def has_ptwr_switch():
    """Does build/linux/vmlinux know the xen_ptwr= command-line switch?"""
    with open(os.path.join(ROOT, "build", "linux", "vmlinux"), "rb") as f:
        return b"xen_ptwr" in f.read()


def make_iso(name, initrd, extra, tree=ROOT, mode=None, hvopts="stats", vcpus=1):
    lst = os.path.join(OUT, name + ".list")
    with open(lst, "w") as f:
        if mode:
            f.write("# mode: %s\n" % mode)
        f.write("bench build/linux/vmlinux %s 256M %d console=hvc0 8250.nr_uarts=0 quiet %s\n"
                % (os.path.relpath(initrd, ROOT), vcpus, extra))
    iso = os.path.join(OUT, name + ".iso")
    sh(os.path.join(tree, "tools", "mkiso"), "-o", iso, "-c", hvopts, "-d", lst,
       os.path.join(tree, "build", "hv.elf"))
    return iso


def build(scale, hv_b=None, explicit=True, fast=True, slowpath=False):
    """The benchmark binary, its initramfs and the ISOs for the PV runs."""
    os.makedirs(OUT, exist_ok=True)
    binary = os.path.join(OUT, "pvbench")
    sh("gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary,
       "tools/bench/pvbench.c")
    script = os.path.join(OUT, "run.sh")
    with open(script, "w") as f:
        f.write("echo BENCH-BEGIN\n/bin/pvbench %s\necho BENCH-END\n" % scale)
    initrd = os.path.join(OUT, "bench.cpio.gz")
    sh("tools/mkinitramfs", "-o", initrd, "-s", script, "-a", binary + ":/bin/pvbench")
    isos = {"pv": make_iso("pv", initrd, "")}
    if fast:
        isos["pv_fast"] = make_iso("pv_fast", initrd, "", mode="fast")
    if slowpath:
        isos["pv_fast_slow"] = make_iso("pv_fast_slow", initrd, "", mode="fast",
                                        hvopts="stats fastpath=off")
    if explicit and has_ptwr_switch():
        isos["pv_explicit"] = make_iso("pv_explicit", initrd, "xen_ptwr=off")
    if hv_b:
        isos["pv_b"] = make_iso("pv_b", initrd, "", os.path.abspath(hv_b))
    return initrd, isos


QEMU_ARGS = []      # --qemu: ["-q", ARGS] for tools/run


def run(kind, n, initrd, iso, mem):
    """One boot; kind is native or a key of the ISOs."""
    log = os.path.join(OUT, "%s-%d.log" % (kind, n))
    if kind == "native":
        cmd = ["tools/run", "-m", mem, "-t", "1200", "-l", log,
               "-k", "build/linux/bzImage", "-r", initrd,
               "-a", "console=ttyS0 quiet"]
    else:
        cmd = ["tools/run", "-m", mem, "-t", "1200", "-l", log, iso]
    cmd[1:1] = QEMU_ARGS
    print("bench: %s run %d ..." % (kind, n), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=False)
    text = open(log, errors="replace").read().replace("\r", "")
    results = {}
    for m in re.finditer(r"^(?:\(bench\) )?bench (\S+) ([0-9.]+)$", text, re.M):
        results[m.group(1)] = float(m.group(2))
    if not results:
        sys.exit("bench: no results in %s; its tail:\n%s" % (log, text[-2000:]))
    stats = re.findall(r"^\(hv\) stats bench: (.*)$", text, re.M)
    return results, stats


# The configurations beside native and compat mode ("pv"), in column order:
# key, heading, what the extra ratio compares it with, and a line for the table.
EXTRA = [
    ("pv_fast", "fast", "native",
     "fast: the same kernel in fast mode (ring 1 behind the switcher, mode=fast)."),
    ("pv_fast_slow", "fast, fastpath=off", "pv_fast",
     "fast, fastpath=off: fast mode with every entry through the hypervisor (its ratio: to fast)."),
    ("pv_explicit", "compat xen_ptwr=off", "pv",
     "compat xen_ptwr=off: page-table writes by explicit hypercalls, not trapped (ratio: to compat)."),
    ("pv_b", "B", "pv",
     "B: the compat guest on another hypervisor image (--hv-b; ratio: to compat)."),
]


def report(res, stats, rounds):
    names = list(res["native"][0].keys())
    med = {k: {n: statistics.median(r[n] for r in v) for n in names} for k, v in res.items()}
    extra = [e for e in EXTRA if e[0] in med]
    rows = []
    for name in names:
        n, p = med["native"][name], med["pv"][name]
        rows.append((name, n, p, p / n, {e[0]: med[e[0]][name] for e in extra}))
    with open(os.path.join(OUT, "results.csv"), "w") as f:
        f.write("name,native_ns,pv_ns,ratio" + "".join(",%s_ns" % e[0] for e in extra) + "\n")
        for r in rows:
            f.write("%s,%.1f,%.1f,%.2f" % r[:4] + "".join(",%.1f" % r[4][e[0]] for e in extra) + "\n")
    lines = ["# pvisor: PV guest vs the same kernel native, in QEMU TCG", "",
             "Median of %d alternating rounds; ns per operation as the guest measures it." % rounds,
             "compat: the PV guest in compat mode (Xen's model, the kernel in ring 3)."]
    lines += [e[3] for e in extra]
    head = "| operation | native ns | compat ns | compat / native |"
    rule = "|---|---:|---:|---:|"
    for e in extra:
        head += " %s ns | / %s |" % (e[1], {"native": "native", "pv": "compat",
                                           "pv_fast": "fast"}[e[2]])
        rule += "---:|---:|"
    lines += ["", head, rule]
    for r in rows:
        line = "| %s | %.0f | %.0f | %.2f |" % r[:4]
        base = {"native": r[1], "pv": r[2]}
        for e in extra:
            v = r[4][e[0]]
            ref = base[e[2]] if e[2] in base else r[4][e[2]]
            line += " %.0f | %.2f |" % (v, v / ref)
        lines.append(line)
    for kind, st in stats.items():
        lines += ["", "Hypervisor counters, last %s run (whole boot and benchmark):" % kind, ""]
        lines += ["    " + s for s in st]
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return rows


def plot(rows):
    if not shutil.which("gnuplot"):
        print("bench: gnuplot not found; no plot")
        return
    dat = os.path.join(OUT, "ratios.dat")
    with open(dat, "w") as f:
        for name, native, _, ratio, extra in rows:
            f.write("%s %.3f %.3f\n" % (name, ratio,
                                        extra["pv_fast"] / native if "pv_fast" in extra else 0))
    gp = """set terminal pngcairo size 900,500 noenhanced
set output '%s'
set title 'PV guest on pvisor (compat and fast mode) vs native, same kernel, QEMU TCG (lower is better)'
set ylabel 'time PV / time native (log scale)'
set logscale y
set yrange [0.8:200]
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by -30
set grid ytics
set style data histograms
set style histogram clustered gap 1
plot '%s' using 2:xtic(1) title 'compat', '' using 3 title 'fast', \\
     1 with lines lt 2 title 'native'
""" % (os.path.join(OUT, "ratios.png"), dat)
    subprocess.run(["gnuplot"], input=gp.encode(), check=True)
    print("bench: plot in build/bench/ratios.png")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--scale", default="1")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--hv-b", default="", metavar="TREE",
                    help="also boot the PV guest on the hypervisor of this other built pvisor checkout (A/B)")
    ap.add_argument("--qemu", default="", metavar="ARGS",
                    help="more QEMU arguments for every boot, e.g. '-icount shift=0'")
    ap.add_argument("--no-explicit", action="store_true",
                    help="leave out the xen_ptwr=off configuration")
    ap.add_argument("--no-fast", action="store_true",
                    help="leave out the fast-mode configuration")
    ap.add_argument("--fastpath-off", action="store_true",
                    help="also fast mode with the switcher's fast paths off (what they save)")
    ap.add_argument("--io", action="store_true",
                    help="only network and disk between guests (tools/bench/iobench.py)")
    ap.add_argument("--smp", action="store_true",
                    help="only the multiprocessor table (tools/bench/smp.py)")
    ap.add_argument("--no-io", action="store_true",
                    help="leave the network and disk table out")
    ap.add_argument("--no-smp", action="store_true",
                    help="leave the multiprocessor table out")
    ap.add_argument("--scale-n", default="",
                    help="comma-separated guest counts: run the scale curve instead")
    ap.add_argument("--scale-rounds", type=int, default=3)
    ap.add_argument("--scale-secs", type=float, default=3.0)
    ap.add_argument("--scale-probe", type=int, default=0, metavar="N",
                    help="with --scale-n: also what one idle guest costs, by difference, at N")
    ap.add_argument("--scale-qemu", default="", metavar="ARGS",
                    help="with --scale-n: more QEMU arguments, e.g. '-icount shift=0'")
    a = ap.parse_args()
    if a.qemu:
        QEMU_ARGS[:] = ["-q", a.qemu]
    if a.io:
        import iobench
        iobench.main(a.rounds)
        return
    if a.smp:
        import smp
        smp.main(a.rounds, a.scale, a.mem)
        return
    if a.scale_n:
        import scale
        os.makedirs(OUT, exist_ok=True)
        binary = os.path.join(OUT, "pvbench")
        sh("gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary,
           "tools/bench/pvbench.c")
        scale.QEMU_EXTRA = a.scale_qemu
        scale.main([int(x) for x in a.scale_n.split(",")], a.scale_rounds, a.scale_secs, binary,
                   a.scale_probe)
        return
    if a.hv_b and not os.path.isfile(os.path.join(a.hv_b, "build", "hv.elf")):
        sys.exit("bench: no %s/build/hv.elf (run make hv there)" % a.hv_b)
    if a.qemu:
        QEMU_ARGS[:] = ["-q", a.qemu]
    initrd, isos = build(a.scale, a.hv_b, not a.no_explicit, not a.no_fast, a.fastpath_off)
    res = {"native": []}
    res.update({k: [] for k in isos})
    stats = {}
    for n in range(a.rounds):
        res["native"].append(run("native", n, initrd, None, a.mem)[0])
        for kind, iso in isos.items():
            r, stats[kind] = run(kind, n, initrd, iso, a.mem)
            res[kind].append(r)
    plot(report(res, stats, a.rounds))
    if a.hv_b:
        return
    # The other two tables, each with its own rounds of its own boots
    # (their configurations differ: two QEMU CPUs; three domains).
    if not a.no_smp:
        import smp
        print("bench: the multiprocessor table (--no-smp leaves it out)", flush=True)
        smp.main(a.rounds, a.scale, a.mem)
    if not a.no_io:
        import iobench
        print("bench: network and disk between guests (--no-io leaves it out)", flush=True)
        iobench.main(a.rounds)


if __name__ == "__main__":
    main()
