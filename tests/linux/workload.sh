#!/bin/sh
# tests/linux/workload.sh: the Linux guest's workload, baked into the test
# initramfs (tools/mkinitramfs -s) by tests/linux/run; /bin/pvtest is
# tests/linux/pvtest.c. Each check prints one line
#
#	CHECK NAME PASS|FAIL DETAIL
#
# which tests/linux/run turns into a test line; the exit status is the
# number of failed checks. At the end the whole kernel log is printed
# between DMESG-BEGIN and DMESG-END for the runner to judge. (The words the
# runner looks for in a broken kernel's log must not appear in this
# script's own output.)
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
failed=0

check() {	# check NAME PASS|FAIL DETAIL
	echo "CHECK $1 $2 $3"
	[ "$2" = PASS ] || failed=$((failed + 1))
}

uptime_s() { cut -d ' ' -f 1 /proc/uptime; }

echo "WORKLOAD-BEGIN up $(uptime_s)s"

# ---- who we are ---------------------------------------------------------------
u=$(uname -a)
echo "uname: $u"
if [ "$(uname -m)" = x86_64 ] && [ "$(uname -s)" = Linux ]; then
	check uname PASS "$(uname -srm)"
else
	check uname FAIL "$u"
fi

# ---- 200 fork + execve + wait, each child's output through a pipe ------------
t0=$(uptime_s)
out=$(pvtest forkexec 200 2>&1)
rc=$?
echo "$out"
case "$rc:$out" in
0:*ok*) check forkexec PASS "${out#pvtest forkexec: ok }" ;;
*) check forkexec FAIL "status $rc: $out" ;;
esac

# ---- pipelines between processes ----------------------------------------------
why=""
s=$(seq 1 20000 | awk '{ s += $1 } END { print s }')
[ "$s" = 200010000 ] || why="seq|awk gave '$s'"
c=$(yes pvisor | head -n 50000 | tr a-z A-Z | sort | uniq -c | awk '{ print $1, $2 }')
[ "$c" = "50000 PVISOR" ] || why="${why:+$why; }yes|head|tr|sort|uniq gave '$c'"
p1=$(pvtest fill 1 4194304 | dd bs=4k 2>/dev/null | tee /tmp/pipe.bin | md5sum | cut -d ' ' -f 1)
p2=$(md5sum </tmp/pipe.bin | cut -d ' ' -f 1)
n=$(wc -c </tmp/pipe.bin)
[ "$p1" = "$p2" ] && [ "$n" -eq 4194304 ] || why="${why:+$why; }dd|tee|md5sum: $p1 vs $p2, $n bytes"
rm -f /tmp/pipe.bin
if [ -z "$why" ]; then
	check pipeline PASS "seq|awk, yes|head|tr|sort|uniq, 4 MiB fill|dd|tee|md5sum"
else
	check pipeline FAIL "$why"
fi

# ---- 64 MiB of files in tmpfs, written and read back with checksums ----------
# (tmpfs may hold half the guest's memory: 128 MiB in a 256 MiB guest)
why=""
t0=$(uptime_s)
mkdir -p /tmp/files
i=0
while [ $i -lt 16 ]; do
	pvtest fill $((i + 100)) 4194304 >/tmp/files/f$i
	# the checksum of the data itself, made again from the generator
	echo "$(pvtest fill $((i + 100)) 4194304 | md5sum | cut -d ' ' -f 1)  /tmp/files/f$i" >>/tmp/sums
	i=$((i + 1))
done
total=$(du -k /tmp/files | tail -n 1 | cut -f 1)
[ "$total" -ge 65536 ] || why="/tmp/files holds $total KiB, not 64 MiB"
grep -q '^tmpfs /tmp ' /proc/mounts || why="${why:+$why; }/tmp is not a tmpfs"
md5sum -c /tmp/sums >/tmp/sums.out 2>&1 || why="${why:+$why; }md5sum -c: $(grep -v ': OK$' /tmp/sums.out | head -n 3 | tr '\n' ' ')"
# Different data gives different sums: the files are not all the same.
u=$(cut -d ' ' -f 1 /tmp/sums | sort -u | wc -l)
[ "$u" -eq 16 ] || why="${why:+$why; }only $u different checksums of 16 files"
rm -rf /tmp/files /tmp/sums /tmp/sums.out
t1=$(uptime_s)
if [ -z "$why" ]; then
	check tmpfs PASS "16 x 4 MiB written, read back by md5sum -c in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")s"
else
	check tmpfs FAIL "$why"
fi

# ---- mmap-heavy ---------------------------------------------------------------------
out=$(pvtest mmap 2>&1)
rc=$?
echo "$out"
case "$rc:$out" in
0:*ok*) check mmap PASS "${out#pvtest mmap: ok }" ;;
*) check mmap FAIL "status $rc: $out" ;;
esac

# ---- 32-bit code: syscall, sysenter, int $0x80 through 0x23 and 0xe023 -------------
out=$(pvtest compat32 2>&1)
rc=$?
echo "$out"
case "$rc:$out" in
0:*ok*) check compat32 PASS "${out#pvtest compat32: ok }" ;;
*) check compat32 FAIL "status $rc: $out" ;;
esac

# ---- a process's own LDT (modify_ldt) ----------------------------------------------
out=$(pvtest ldt 2>&1)
rc=$?
echo "$out"
case "$rc:$out" in
0:*ok*) check ldt PASS "${out#pvtest ldt: ok }" ;;
*) check ldt FAIL "status $rc: $out" ;;
esac

# ---- time: sleep 1 takes a second by the guest's clocks -------------------------
u0=$(uptime_s)
sleep 1
u1=$(uptime_s)
d=$(awk "BEGIN { printf \"%.2f\", $u1 - $u0 }")
out=$(pvtest sleep 1000 2>&1)
rc=$?
echo "sleep 1: /proc/uptime $u0 -> $u1 ($d s); $out"
mono=$(echo "$out" | sed -n 's/.* took \([0-9.]*\)s monotonic.*/\1/p')
real=$(echo "$out" | sed -n 's/.*, \([0-9.]*\)s realtime.*/\1/p')
if [ $rc -eq 0 ] && awk "BEGIN { exit !($d >= 0.99 && $d <= 1.75 && $mono >= 1.0 && $mono <= 1.75 && $real >= 0.95 && $real <= 1.8) }"; then
	check sleep PASS "sleep 1: ${d}s by /proc/uptime; nanosleep 1s: ${mono}s monotonic, ${real}s realtime"
else
	check sleep FAIL "sleep 1: ${d}s by /proc/uptime; $out"
fi
# The wall clock, for the runner to compare with the host's.
echo "WALLCLOCK $(date +%s)"

# ---- SMP: only when the runner asks, with pvsmp=N on the kernel command line ------
# (the domain has N vCPUs). smp: N CPUs online, a process pinned to each runs
# there, atomic adds and pipe wake-ups across CPUs (pvtest cpus). smpstorm: N
# fork+exec storms and N checksummed pipelines at once, the shell's jobs free
# to run on any CPU. SPIN: the parallel CPU-bound job, one process and then
# N, for the runner to report (not a check: the hypervisor still runs every
# vCPU on one physical CPU).
smp=$(sed -n 's/.*pvsmp=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$smp" ]; then
	why=""
	n=$(nproc)
	[ "$n" = "$smp" ] || why="nproc says $n"
	n=$(grep -c '^processor' /proc/cpuinfo)
	[ "$n" = "$smp" ] || why="${why:+$why; }/proc/cpuinfo lists $n"
	out=$(pvtest cpus "$smp" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || why="${why:+$why; }status $rc: $out"
	if [ -z "$why" ]; then
		check smp PASS "nproc $smp; ${out#pvtest cpus: ok }"
	else
		check smp FAIL "$why"
	fi

	why=""
	t0=$(uptime_s)
	i=0
	while [ $i -lt "$smp" ]; do
		pvtest forkexec 100 >/tmp/storm$i 2>&1 &
		pvtest fill $((i + 500)) 4194304 | dd bs=4k 2>/dev/null | md5sum | cut -d ' ' -f 1 >/tmp/sum$i &
		i=$((i + 1))
	done
	wait
	t1=$(uptime_s)
	i=0
	while [ $i -lt "$smp" ]; do
		grep -q '^pvtest forkexec: ok 100 ' /tmp/storm$i || why="${why:+$why; }storm $i: $(head -c 120 /tmp/storm$i)"
		want=$(pvtest fill $((i + 500)) 4194304 | md5sum | cut -d ' ' -f 1)
		[ "$(cat /tmp/sum$i)" = "$want" ] || why="${why:+$why; }pipeline $i: $(cat /tmp/sum$i), expected $want"
		i=$((i + 1))
	done
	rm -f /tmp/storm* /tmp/sum*
	if [ -z "$why" ]; then
		check smpstorm PASS "$smp x (100 fork+exec, 4 MiB fill|dd|md5sum) at once in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")s"
	else
		check smpstorm FAIL "$why"
	fi

	one=$(pvtest spin 1 400000000 2>&1)
	all=$(pvtest spin "$smp" 400000000 2>&1)
	echo "SPIN $one / $all"
fi

# ---- the kernel log, for the runner -----------------------------------------------
echo "DMESG-BEGIN"
dmesg
echo "DMESG-END"
echo "WORKLOAD-END up $(uptime_s)s, $failed failed"
exit $failed
