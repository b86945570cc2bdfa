"""iobench.py - network and disk between guests, for `make bench-io` (bench.py --io).

The io boot of tests/linux/run, measured: a driver domain dd (netback,
blkback, the bridge xenbr0, a 64 MiB RAM disk) and two guests a and b on
pvisor in one QEMU (TCG), each guest with a vif served by dd, a with dd's
RAM disk as xvda (tests/linux/io.sh, pvio_bench=1 on a). Per round:

  ping           a -> b round trip through dd's bridge (ping, average of 10)
  tcp            64 MiB a -> b with busybox nc (the sender's rate, connect
                 to close)
  blk-fs-write   32 MiB into a file on ext2 on xvda, with sync
  blk-fs-read    the file read back after drop_caches
  blk-write/read 32 MiB to/from xvda itself, 1 MiB O_DIRECT requests

and beside them, in the same QEMU run, what guest a does without the split
drivers: TCP over its loopback (the same nc pipeline), ping 127.0.0.1,
tmpfs, and its own RAM disk (/dev/ram0, O_DIRECT). A native run of the same
kernel and initramfs (no hypervisor, io.sh's measurements alone) gives the
same loopback, tmpfs and RAM-disk figures without pvisor. With each PV run
the hypervisor's counters (`stats`) of the three domains: grant copies and
maps, events, and the grant-table and event-channel hypercalls.

  build/bench/io.csv, io.md, io-KIND-N.log
"""
import os
import random
import re
import statistics
import subprocess
import sys

import bench

ARGS = "console=hvc0 8250.nr_uarts=0"

# name, pattern (one group: the value), unit, what
ROWS = [
    ("ping", r"^\(a\) IO-PING .* avg ([0-9.]+) ms", "ms", "a -> b through dd's bridge, round trip"),
    ("ping-loopback", r"IO-BENCH ping-loopback: avg ([0-9.]+) ms", "ms", "ping 127.0.0.1 in a"),
    ("tcp", r"^\(a\) IO-TCP send \d+ \S+ in [0-9.]+s \(([0-9.]+) MiB/s", "MiB/s", "64 MiB a -> b, nc"),
    ("tcp-loopback", r"IO-BENCH tcp-loopback: .*: ([0-9.]+) MiB/s", "MiB/s", "32 MiB nc -> nc over lo in a"),
    ("blk-fs-write", r"^\(a\) IO-BLK write \d+ \S+ in [0-9.]+s \(([0-9.]+) MiB/s", "MiB/s",
     "32 MiB file on ext2 on xvda, with sync"),
    ("blk-fs-read", r"^\(a\) IO-BLK read \d+ \S+ in [0-9.]+s \(([0-9.]+) MiB/s", "MiB/s",
     "the file read back after drop_caches"),
    ("blk-write", r"IO-BENCH blk-write: .*: ([0-9.]+) MiB/s", "MiB/s", "xvda, 1 MiB O_DIRECT writes"),
    ("blk-read", r"IO-BENCH blk-read: .*: ([0-9.]+) MiB/s", "MiB/s", "xvda, 1 MiB O_DIRECT reads"),
    ("ram-write", r"IO-BENCH ram-write: .*: ([0-9.]+) MiB/s", "MiB/s", "a's own /dev/ram0, O_DIRECT"),
    ("ram-read", r"IO-BENCH ram-read: .*: ([0-9.]+) MiB/s", "MiB/s", "a's own /dev/ram0, O_DIRECT"),
    ("tmpfs-write", r"IO-BENCH tmpfs-write: .*: ([0-9.]+) MiB/s", "MiB/s", "32 MiB, 1 MiB writes"),
    ("tmpfs-read", r"IO-BENCH tmpfs-read: .*: ([0-9.]+) MiB/s", "MiB/s", "32 MiB, 1 MiB reads"),
]
NATIVE_ROWS = {"ping-loopback", "tcp-loopback", "ram-write", "ram-read", "tmpfs-write", "tmpfs-read"}

# hypervisor counters per domain, from its stats lines
COUNTERS = [
    ("grant copies", r"grant copies (\d+)"),
    ("grant copy MiB", r"grant copies \d+ \((\d+) bytes\)"),
    ("grant maps", r"grant copies \d+ \(\d+ bytes\) maps (\d+)"),
    ("events", r"bounces \d+ syscalls \d+ events (\d+)"),
    ("grant_table_op", r"hypercall grant_table_op (\d+)"),
    ("event_channel_op", r"hypercall event_channel_op (\d+)"),
]


def build():
    os.makedirs(bench.OUT, exist_ok=True)
    binary = os.path.join(bench.OUT, "pvtest")
    bench.sh("gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary,
             "tests/linux/pvtest.c")
    if not os.path.exists("/sbin/e2fsck.static"):
        bench.sh("tools/deps", "linux")
    initrd = os.path.join(bench.OUT, "io.cpio.gz")
    bench.sh("tools/mkinitramfs", "-o", initrd, "-s", "tests/linux/io.sh",
             "-a", binary + ":/bin/pvtest", "-a", "/sbin/e2fsck.static:/sbin/e2fsck.static")
    lst = os.path.join(bench.OUT, "io.list")
    rel = os.path.relpath(initrd, bench.ROOT)
    common = "pvio=guest pvio_bytes=67108864 pvio_seed=%d" % random.randint(1, 1 << 30)
    with open(lst, "w") as f:
        f.write("dd build/linux/vmlinux %s 192M 1 %s brd.rd_size=65536 pvio=dd pvio_devs=3\n"
                % (rel, ARGS))
        f.write("a build/linux/vmlinux %s 160M 1 vif=backend=dd "
                "disk=backend=dd,target=/dev/ram0,vdev=xvda %s %s pvio_ip=10.0.0.1 "
                "pvio_peer=10.0.0.2 pvio_tcp=send pvio_disk=xvda pvio_bench=1 "
                "brd.rd_size=65536\n" % (rel, ARGS, common))
        f.write("b build/linux/vmlinux %s 128M 1 vif=backend=dd %s %s pvio_ip=10.0.0.2 "
                "pvio_peer=10.0.0.1 pvio_tcp=recv\n" % (rel, ARGS, common))
    iso = os.path.join(bench.OUT, "io.iso")
    bench.sh("tools/mkiso", "-o", iso, "-c", "stats", "-d", lst, "build/hv.elf")
    return initrd, iso


def run(kind, n, initrd, iso):
    log = os.path.join(bench.OUT, "io-%s-%d.log" % (kind, n))
    cmd = ["tools/run", "-t", "1200", "-l", log]
    if kind == "native":
        cmd += ["-m", "512M", "-k", "build/linux/bzImage", "-r", initrd,
                "-a", "console=ttyS0 pvio=guest pvio_bench=1 brd.rd_size=65536"]
    else:
        cmd += ["-m", "1G", iso]
    cmd[1:1] = bench.QEMU_ARGS
    print("bench-io: %s run %d ..." % (kind, n), flush=True)
    subprocess.run(cmd, cwd=bench.ROOT, check=False)
    text = open(log, errors="replace").read().replace("\r", "")
    res = {}
    for name, pat, _, _ in ROWS:
        if kind == "native" and name not in NATIVE_ROWS:
            continue
        if kind == "native":
            pat = pat.replace(r"^\(a\) ", "^")
        m = re.search(pat, text, re.M)
        if m:
            res[name] = float(m.group(1))
    if "tmpfs-read" not in res or (kind != "native" and "tcp" not in res):
        sys.exit("bench-io: no results in %s; its tail:\n%s" % (log, text[-2000:]))
    counters = {}
    if kind != "native":
        for d in ("dd", "a", "b"):
            lines = "\n".join(re.findall(r"^\(hv\) stats %s: (.*)$" % d, text, re.M))
            for cname, cpat in COUNTERS:
                m = re.search(cpat, lines)
                v = int(m.group(1)) if m else 0
                counters[(d, cname)] = v >> 20 if cname == "grant copy MiB" else v
    return res, counters


def fmt(v):
    return "-" if v is None else ("%.2f" % v if v < 100 else "%.0f" % v)


def main(rounds):
    initrd, iso = build()
    res = {"native": [], "pv": []}
    counters = []
    for n in range(rounds):
        res["native"].append(run("native", n, initrd, iso)[0])
        r, c = run("pv", n, initrd, iso)
        res["pv"].append(r)
        counters.append(c)
    med = {}
    for k in res:
        med[k] = {}
        for name, _, _, _ in ROWS:
            vals = [r[name] for r in res[k] if name in r]
            med[k][name] = statistics.median(vals) if vals else None
    lines = ["# pvisor: network and disk between guests through a driver domain, QEMU TCG", "",
             "Median of %d rounds. PV: guest a on pvisor, with guest b and the driver domain dd "
             "in the same QEMU (tests/linux/io.sh); native: the same kernel and initramfs "
             "without the hypervisor (only what needs no other guest)." % rounds, "",
             "| measurement | unit | PV | native | what |", "|---|---|---:|---:|---|"]
    for name, _, unit, what in ROWS:
        lines.append("| %s | %s | %s | %s | %s |" % (name, unit, fmt(med["pv"][name]),
                                                   fmt(med["native"][name]), what))
    lines += ["", "Hypervisor counters of the last PV run (whole boot, `stats`):", "",
              "| counter | dd | a | b |", "|---|---:|---:|---:|"]
    for cname, _ in COUNTERS:
        lines.append("| %s | %s |" % (cname, " | ".join(str(counters[-1][(d, cname)])
                                                        for d in ("dd", "a", "b"))))
    with open(os.path.join(bench.OUT, "io.csv"), "w") as f:
        f.write("name,unit,pv,native\n")
        for name, _, unit, _ in ROWS:
            f.write("%s,%s,%s,%s\n" % (name, unit,
                                       "" if med["pv"][name] is None else med["pv"][name],
                                       "" if med["native"][name] is None else med["native"][name]))
    with open(os.path.join(bench.OUT, "io.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
