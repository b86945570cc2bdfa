"""scale.py - the scale curve behind `make bench-scale` (docs/benchmarks.md).

Runs in: the host, imported by tools/bench/bench.py (--scale-n).

For each N of the list, one QEMU boots pvisor with N Linux guests of the
same kernel (build/linux/vmlinux) and one initramfs, 40 MiB each, QEMU
RAM N x 40 + 256 MiB + the modules (qemu_mib), hypervisor option
`stats`:

  g1          the busy guest: at /init it waits for a line on its console,
              then runs `pvbench rate ROUNDS SECS` (null system calls, and a
              loop with no system call, each for SECS of wall time per
              round) and powers off
  g2..gN      idle guests: at /init they wait in `read` on their console
              (a shell blocked on input: the idle a student's guest has),
              and power off when a line comes

The serial output is read through a pipe (tools/run without -l) and every
line is stamped with the host's monotonic clock as it arrives. Measured:

  boot        from the hypervisor's first line ("(hv) pvisor ...") to the
              last guest's /init banner ("(gK) PVISOR-INIT: ..."); also
              from QEMU's start (which adds firmware, GRUB and loading
              the two modules, the kernel and the initramfs, from the CD
              image: tools/mkiso puts each file in once)
  throughput  g1's operations per second once every other guest sits idle
              (their "SCALE-IDLE" line came, then 2 s more), median over
              the rounds, and the ratio to N = 1
  counters    the hypervisor's per-domain `stats` when each domain ends:
              per second of an idle guest's life, its upcalls (events),
              hypercalls by name and switches to it

The console's input goes to one domain at a time (Ctrl-A three times moves
it on, hv/core/console.c): the driver moves it to g1, sends the start line,
and after g1 has ended sends empty lines, which go to each remaining guest
in turn and end it.

An N the hypervisor does not accept (a "refused:" or "ignored" line at
boot: a domain beyond memory, for one) is recorded as refused, and the
run stops there; it does not count as a failure of the benchmark.
"""
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "bench")
GUEST_MEM_MIB = 40
SETTLE_S = 2.0
QEMU_EXTRA = ""     # more QEMU arguments (bench.py --scale-qemu), e.g. -icount shift=0

GUEST_SCRIPT = """\
# The guest side of tools/bench/scale.py: role from pvrole= on the command line.
dmesg -n 1 2>/dev/null
role=
read -r cmdline </proc/cmdline
for a in $cmdline; do
	case $a in pvrole=*) role=${a#pvrole=} ;; esac
done
case $role in
busy:*)
	rounds=${role#busy:}
	secs=${rounds#*:}
	rounds=${rounds%%:*}
	echo SCALE-BUSY-READY
	read -r go
	echo SCALE-BUSY-GO
	/bin/pvbench rate "$rounds" "$secs"
	echo SCALE-BUSY-END
	;;
idle)
	echo SCALE-IDLE
	read -r line
	echo SCALE-IDLE-END
	;;
*)
	echo "SCALE-NO-ROLE '$role'"
	exit 1
	;;
esac
"""


def sh(*cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def build_initrd(binary):
    script = os.path.join(OUT, "scale-run.sh")
    with open(script, "w") as f:
        f.write(GUEST_SCRIPT)
    initrd = os.path.join(OUT, "scale.cpio.gz")
    sh("tools/mkinitramfs", "-o", initrd, "-s", script, "-a", binary + ":/bin/pvbench")
    return initrd


def make_iso(n, initrd, rounds, secs):
    lst = os.path.join(OUT, "scale-%d.list" % n)
    rel = os.path.relpath(initrd, ROOT)
    with open(lst, "w") as f:
        for i in range(1, n + 1):
            role = "busy:%d:%g" % (rounds, secs) if i == 1 else "idle"
            f.write("g%d build/linux/vmlinux %s %dM 1 console=hvc0 8250.nr_uarts=0 quiet pvrole=%s\n"
                    % (i, rel, GUEST_MEM_MIB, role))
    iso = os.path.join(OUT, "scale-%d.iso" % n)
    sh("tools/mkiso", "-o", iso, "-c", "stats", "-d", lst, "build/hv.elf",
       stdout=subprocess.DEVNULL)
    return iso


class Serial:
    """QEMU's serial console through a pipe: lines stamped as they arrive."""

    def __init__(self, iso, mem_mib, timeout, log):
        self.t0 = time.monotonic()
        self.log = open(log, "w")
        self.err = open(log + ".err", "w")
        # No -t: tools/run gives a timed QEMU /dev/null as its input. The
        # caller's deadline ends the run instead, by this process group.
        extra = ["-q", QEMU_EXTRA] if QEMU_EXTRA else []
        self.proc = subprocess.Popen(
            ["tools/run", "-m", "%dM" % mem_mib] + extra + [iso], cwd=ROOT, start_new_session=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        self.q = queue.Queue()
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            t = time.monotonic() - self.t0
            line = raw.decode(errors="replace").replace("\r", "").rstrip("\n")
            self.log.write("%9.3f %s\n" % (t, line))
            self.log.flush()
            self.q.put((t, line))
        self.q.put((time.monotonic() - self.t0, None))

    def next(self, deadline):
        """The next (t, line); (t, None) at the end; None at the deadline."""
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            item = self.q.get(timeout=left)
        except queue.Empty:
            return None
        if item[1] is not None:
            self.lines.append(item)
        return item

    def send(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def close(self):
        """End QEMU (tools/run's process group, ours) unless it has ended."""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()
        self.err.close()


RE_HV_START = re.compile(r"^\(hv\) pvisor \S+: ")
# "domain g9: refused: out of memory ...", "... ignored"; not the build's
# summary "domains: 9 built, 0 refused, in ... ms".
RE_REFUSED = re.compile(r"^\(hv\) .*(\brefused:|\bignored\b)")
RE_BUILT = re.compile(r"^\(hv\) domain (\S+): id ")
RE_INIT = re.compile(r"^\((g\d+)\) PVISOR-INIT: .* up ([0-9.]+)s")
RE_IDLE = re.compile(r"^\((g\d+)\) SCALE-IDLE$")
RE_FOCUS = re.compile(r"^\(hv\) console input now goes to (\S+) ")
RE_RATE = re.compile(r"^\(g1\) rate (\S+) ([0-9.]+)(?: steal (\d+)/(\d+))?$")
RE_END = re.compile(r"^\(hv\) domain (\S+): (shut down|crashed)")
RE_ALL = re.compile(r"^\(hv\) all domains have ended")
RE_BAD = re.compile(r"Kernel panic|Oops|BUG:|\(hv\) PANIC|\(hv\) domain \S+: crashed")


def qemu_mib(n, initrd):
    """
    QEMU's RAM: the guests, 256 MiB for the hypervisor and slack, and the
    two modules GRUB loads into RAM once for every domain (tools/mkiso
    puts each distinct file in once; the hypervisor gives their pages back
    after building the domains).
    """
    mods = os.path.getsize(os.path.join(ROOT, "build", "linux", "vmlinux")) + os.path.getsize(initrd)
    return n * GUEST_MEM_MIB + 256 + (mods + (1 << 20) - 1) // (1 << 20)


def run_one(n, iso, rounds, secs, timeout, mem_mib, tag=""):
    """One boot of N guests; a dict of what was measured (status != ok: why not)."""
    log = os.path.join(OUT, "scale-%d%s.log" % (n, tag))
    print("bench: scale N=%d (QEMU %d MiB) ..." % (n, mem_mib), flush=True)
    ser = Serial(iso, mem_mib, timeout, log)
    deadline = time.monotonic() + timeout
    r = {"n": n, "status": "ok", "log": os.path.relpath(log, ROOT)}
    t_hv = None
    built, inits, idle, ended = {}, {}, set(), {}
    rates = {}
    steal = [0, 0]          # ticks stolen from g1, ticks in all, over the rounds
    phase = "boot"          # boot -> focus -> busy -> drain -> done
    focus_tries = 0
    ready = False
    last_send = 0.0
    try:
        while phase != "done":
            item = ser.next(min(deadline, time.monotonic() + 0.2))
            if item is None:
                if time.monotonic() >= deadline:
                    r["status"] = "timeout after %ds in phase %s (%d of %d at /init)" % (
                        timeout, phase, len(inits), n)
                    break
                now = time.monotonic() - ser.t0
                if phase == "drain" and now - last_send > 0.3:
                    ser.send(b"\r")
                    last_send = now
                if phase == "focus" and now - last_send > 5:
                    ser.send(b"\x01\x01\x01")    # the answer got lost; again
                    last_send = now
                continue
            t, line = item
            if line is None:
                if phase != "drain":
                    r["status"] = "QEMU ended in phase %s" % phase
                break
            if RE_BAD.search(line):
                r.setdefault("trouble", line)
            if t_hv is None and RE_HV_START.match(line):
                t_hv = t
            m = RE_REFUSED.match(line)
            if m:
                r["status"] = "refused: " + line[5:]
                break
            m = RE_BUILT.match(line)
            if m:
                built[m.group(1)] = t
            m = RE_INIT.match(line)
            if m:
                inits[m.group(1)] = (t, float(m.group(2)))
            m = RE_IDLE.match(line)
            if m:
                idle.add(m.group(1))
            m = RE_END.match(line)
            if m:
                ended[m.group(1)] = (t, m.group(2))
                if m.group(2) == "crashed":
                    r["status"] = "domain %s crashed" % m.group(1)
            if RE_ALL.match(line):
                phase = "done"
                break
            m = RE_RATE.match(line)
            if m:
                rates.setdefault(m.group(1), []).append(float(m.group(2)))
                if m.group(3):
                    steal[0] += int(m.group(3))
                    steal[1] += int(m.group(4))
            if line == "(g1) SCALE-BUSY-READY":
                ready = True
            if phase == "boot" and ready and len(inits) == n and len(idle) == n - 1:
                # Everyone is at /init and waiting; let the last settle.
                time.sleep(SETTLE_S)
                phase = "focus"
                ser.send(b"\x01\x01\x01")
                last_send = time.monotonic() - ser.t0
                continue
            m = RE_FOCUS.match(line)
            if m and phase == "focus":
                if m.group(1) == "g1":
                    ser.send(b"go\r")
                    phase = "busy"
                else:
                    focus_tries += 1
                    if focus_tries > 2 * n + 4:
                        r["status"] = "the console input never reached g1"
                        break
                    ser.send(b"\x01\x01\x01")
                    last_send = t
            if line == "(g1) SCALE-BUSY-GO":
                r["busy_go_s"] = round(t, 3)
            if phase == "busy" and line == "(g1) SCALE-BUSY-END":
                r["busy_end_s"] = round(t, 3)
                phase = "drain"
                last_send = t
    finally:
        ser.close()

    text = [l for _, l in ser.lines]
    r["domains_built"] = len(built)
    r["at_init"] = len(inits)
    if t_hv is not None and len(inits) == n:
        t_last = max(t for t, _ in inits.values())
        r["boot_from_hv_s"] = round(t_last - t_hv, 2)
        r["boot_from_qemu_s"] = round(t_last, 2)
        r["hv_start_s"] = round(t_hv, 2)
        r["guest_uptime_at_init_max_s"] = max(u for _, u in inits.values())
    for name, vals in rates.items():
        r[name + "_ops"] = statistics.median(vals)
        r[name + "_all"] = vals
    if steal[1]:
        r["busy_steal_pct"] = round(100.0 * steal[0] / steal[1], 2)
        r["busy_steal_ticks"] = steal
    if r["status"] == "ok" and len(rates) < 2:
        r["status"] = "no rate lines from g1"
    r["stats"] = parse_stats(text, built, ended)
    return r


def parse_stats(text, built, ended):
    """Per-domain counters of `stats`, and per second of each domain's life."""
    per = {}
    for line in text:
        m = re.match(r"^\(hv\) stats (\S+): (.*)$", line)
        if not m:
            continue
        d = per.setdefault(m.group(1), {})
        body = m.group(2)
        h = re.match(r"^hypercall (\S+) (\d+)$", body)
        if h:
            d["hc_" + h.group(1)] = int(h.group(2))
            continue
        h = re.match(r"^trap (\d+) (\d+)$", body)
        if h:
            d["trap_" + h.group(1)] = int(h.group(2))
            continue
        if body.startswith("bounces ") or body.startswith("returns "):
            words = body.split()
            for k, v in zip(words[0::2], words[1::2]):
                if v.isdigit():
                    d[k] = int(v)
    for name, d in per.items():
        if name in built and name in ended:
            d["life_s"] = round(ended[name][0] - built[name], 2)
    return per


def idle_rates(stats):
    """Counters per second of life, summed over the idle guests (g2..)."""
    life = sum(d.get("life_s", 0) for k, d in stats.items() if k != "g1")
    if life <= 0:
        return {}
    keys = set()
    for k, d in stats.items():
        if k != "g1":
            keys |= {x for x in d if x != "life_s"}
    return {k: round(sum(d.get(k, 0) for n, d in stats.items() if n != "g1") / life, 1)
            for k in sorted(keys)}


def report(results):
    base = next((r for r in results if r["n"] == 1 and r["status"] == "ok"), None)
    for r in results:
        for op in ("null_syscall", "cpu_loop"):
            if base and r["status"] == "ok" and op + "_ops" in r:
                r[op + "_ratio"] = round(r[op + "_ops"] / base[op + "_ops"], 4)
        if r["status"] == "ok" and r["n"] > 1:
            r["idle_per_s"] = idle_rates(r["stats"])
    with open(os.path.join(OUT, "scale.json"), "w") as f:
        json.dump(results, f, indent=1)
    cols = ["n", "status", "boot_from_hv_s", "boot_from_qemu_s", "null_syscall_ops",
            "null_syscall_ratio", "cpu_loop_ops", "cpu_loop_ratio", "busy_steal_pct"]
    with open(os.path.join(OUT, "scale.csv"), "w") as f:
        f.write(",".join(cols) + ",idle_events_per_s,idle_switches_per_s\n")
        for r in results:
            ip = r.get("idle_per_s", {})
            f.write(",".join('"%s"' % r.get(c, "") if c == "status" else str(r.get(c, ""))
                             for c in cols))
            f.write(",%s,%s\n" % (ip.get("events", ""), ip.get("switches", "")))

    def fmt(v, f):
        return f % v if isinstance(v, (int, float)) else "-"
    lines = ["# pvisor: N Linux guests of %d MiB, one busy, N-1 idle" % GUEST_MEM_MIB, "",
             "| N | boot: hv start -> last /init (s) | from QEMU start (s) | null_syscall ops/s | ratio to N=1 | cpu_loop ops/s | ratio to N=1 | busy guest's steal % | idle guest: upcalls per s of its life | idle guest: switches per s of its life |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if r["status"] != "ok":
            lines.append("| %d | %s | | | | | | | | |" % (r["n"], r["status"]))
            continue
        ip = r.get("idle_per_s", {})
        lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["n"], fmt(r.get("boot_from_hv_s"), "%.1f"), fmt(r.get("boot_from_qemu_s"), "%.1f"),
            fmt(r.get("null_syscall_ops"), "%.0f"), fmt(r.get("null_syscall_ratio"), "%.3f"),
            fmt(r.get("cpu_loop_ops"), "%.3g"), fmt(r.get("cpu_loop_ratio"), "%.3f"),
            fmt(r.get("busy_steal_pct"), "%.2f"),
            fmt(ip.get("events"), "%.1f"), fmt(ip.get("switches"), "%.1f")))
    for r in results:
        ip = r.get("idle_per_s")
        if ip:
            lines += ["", "N=%d, per second of an idle guest's life (all idle guests summed, divided by their lives):" % r["n"], ""]
            lines += ["    %s %s" % (k, v) for k, v in ip.items() if v >= 0.1]
    with open(os.path.join(OUT, "scale.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(results)


def plot(results):
    ok = [r for r in results if r["status"] == "ok" and "boot_from_hv_s" in r]
    if not shutil.which("gnuplot") or not ok:
        print("bench: gnuplot not found or nothing to plot; no plot")
        return
    dat = os.path.join(OUT, "scale.dat")
    with open(dat, "w") as f:
        for r in ok:
            f.write("%d %.2f %.2f %.4f %.4f %.4f\n" % (
                r["n"], r["boot_from_hv_s"], r["boot_from_qemu_s"],
                r.get("null_syscall_ratio", float("nan")), r.get("cpu_loop_ratio", float("nan")),
                1 - r["busy_steal_pct"] / 100 if "busy_steal_pct" in r else float("nan")))
    nmax = max(105, max(r["n"] for r in ok) + 5)
    gp = """set terminal pngcairo size 1000,450 noenhanced
set output '%(out)s'
set multiplot layout 1,2 title 'N Linux guests of %(mem)d MiB on pvisor, QEMU TCG'
set xlabel 'N guests'
set grid
set key inside left top Left reverse
set xrange [0:%(nmax)d]
set ylabel 'seconds'
set yrange [0:%(ymax)d]
set title 'boot: time until every guest has run /init'
plot '%(dat)s' using 1:2 with linespoints title 'from the hypervisor''s first line', \\
     '' using 1:3 with linespoints title 'from QEMU start', \\
     '+' using (100):(120) every ::0::0 with points pt 7 ps 1.5 title 'goal: 100 guests in 120 s'
set title 'one busy guest among N-1 idle: throughput / N=1'
set ylabel 'ops/s relative to N = 1'
set yrange [0:1.4]
set key inside left bottom Left reverse
plot '%(dat)s' using 1:4 with linespoints title 'null_syscall (getppid)', \\
     '' using 1:5 with linespoints title 'cpu_loop (no system call)', \\
     '' using 1:6 with linespoints title '1 - steal (busy guest not running)', \\
     (x >= 1 ? 1 - 0.01 * (x - 1) : 1/0) with lines lt 0 title 'goal: < 1%% lost per idle neighbour'
unset multiplot
""" % {"out": os.path.join(OUT, "scale.png"), "dat": dat, "mem": GUEST_MEM_MIB, "nmax": nmax,
       "ymax": max(130, 1.1 * max(r["boot_from_qemu_s"] for r in ok))}
    subprocess.run(["gnuplot"], input=gp.encode(), check=True)
    shutil.copyfile(os.path.join(OUT, "scale.png"), os.path.join(ROOT, "docs", "img", "bench-scale.png"))
    print("bench: plot in build/bench/scale.png, copied to docs/img/bench-scale.png")


def idle_probe(n, initrd, secs, rounds_long):
    """
    What an idle guest costs per second, by difference: N guests with g1
    busy for 1 round, then for rounds_long rounds. Everything up to /init
    and the shutdown are the same in both, so the difference of each
    domain's counters, divided by the difference of g1's busy time, is
    what one more second of "1 busy, N-1 idle" does.
    """
    runs = []
    for rounds in (1, rounds_long):
        iso = make_iso(n, initrd, rounds, secs)
        r = run_one(n, iso, rounds, secs, 300 + 15 * n + 2 * rounds * secs,
                    qemu_mib(n, initrd), "-probe%d" % rounds)
        os.remove(iso)
        if r["status"] != "ok" or "busy_end_s" not in r:
            print("bench: idle probe N=%d: %s" % (n, r["status"]))
            return None
        runs.append(r)
    short, long_ = runs
    dt = (long_["busy_end_s"] - long_["busy_go_s"]) - (short["busy_end_s"] - short["busy_go_s"])
    idle = ["g%d" % i for i in range(2, n + 1)]
    keys = sorted({k for r in runs for d in r["stats"].values() for k in d if k != "life_s"})

    def per_s(names):
        return {k: round(sum(long_["stats"].get(g, {}).get(k, 0) - short["stats"].get(g, {}).get(k, 0)
                             for g in names) / len(names) / dt, 1) for k in keys}
    probe = {"n": n, "secs": secs, "rounds": [1, rounds_long], "delta_s": round(dt, 2),
             "idle_guest_per_s": per_s(idle), "busy_guest_per_s": per_s(["g1"]),
             "busy_steal_pct": [short.get("busy_steal_pct"), long_.get("busy_steal_pct")]}
    with open(os.path.join(OUT, "scale-idle.json"), "w") as f:
        json.dump(probe, f, indent=1)
    lines = ["# What one idle guest costs, N=%d: counters per second by difference" % n, "",
             "g1 busy for 1 and for %d rounds of 2 x %g s; difference %.1f s of g1 busy, N-1 idle."
             % (rounds_long, secs, dt), "", "| counter | per idle guest per s | busy g1 per s |",
             "|---|---:|---:|"]
    for k in keys:
        a, b = probe["idle_guest_per_s"][k], probe["busy_guest_per_s"][k]
        if abs(a) >= 0.5 or abs(b) >= 0.5:
            lines.append("| %s | %.1f | %.1f |" % (k, a, b))
    lines += ["", "g1's steal over its rounds: %s %%" % probe["busy_steal_pct"]]
    with open(os.path.join(OUT, "scale-idle.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return probe


def main(ns, rounds, secs, binary, probe_n=0):
    """The curve for each N of ns; binary is the static pvbench."""
    # SIGTERM unwinds like Ctrl-C, so run_one's finally ends the QEMU.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    initrd = build_initrd(binary)
    results = []
    refused = None
    for n in ns:
        if refused is not None:
            results.append({"n": n, "status": "skipped: N=%d was refused" % refused})
            continue
        iso = make_iso(n, initrd, rounds, secs)
        timeout = 300 + 15 * n + 2 * rounds * secs
        r = run_one(n, iso, rounds, secs, timeout, qemu_mib(n, initrd))
        os.remove(iso)      # 17 MiB; the list beside it makes it again
        print("bench: N=%d: %s" % (n, json.dumps({k: v for k, v in r.items() if k != "stats"})),
              flush=True)
        if r["status"].startswith("refused"):
            refused = n
        results.append(r)
    report(results)
    if probe_n:
        idle_probe(probe_n, initrd, secs, 8)
