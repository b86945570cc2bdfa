#!/bin/sh
# tests/linux/io.sh: what each domain of the split-driver boots of
# tests/linux/run (io, io-death, debian-io) and of `make run
# RUN_DOMAINS=tests/linux/io.list` does, baked into their shared initramfs
# (tools/mkinitramfs -s, with /bin/pvtest and /sbin/e2fsck.static). Every
# domain runs this same script; its role and parameters come from its own
# kernel command line (docs/linux-guest.md, "Network and disk between
# guests"):
#
#	pvio=dd            the driver domain: netback and blkback serve the
#	                   others; this script makes the bridge xenbr0, joins
#	                   each vif* interface netback creates to it, and
#	                   stays up until every backend device it served has
#	                   gone again (its frontends ended), then exits
#	  pvio_devs=N      ... after it has seen N backend devices at once
#	  pvio_die=BYTES   die once its vifs have moved BYTES: the driver
#	                   domain dying mid-transfer, abruptly (pvtest
#	                   stall-poweroff: 2 s in which its kernel threads do
#	                   not run, so that the backends leave requests
#	                   unanswered, then power off without sync), as a
#	                   crash would; poweroff -f if that fails
#	  pvio_life=SECS   give up after SECS seconds (default 900)
#	pvio=guest         a frontend: eth0 gets pvio_ip/24, pings pvio_peer
#	                   (wait for the first reply, then pvio_pings pings,
#	                   no loss allowed), then moves data over TCP
#	  pvio_ip=A.B.C.D pvio_peer=A.B.C.D
#	  pvio_tcp=send|recv  sender or receiver of pvio_bytes (default 64 MiB)
#	                   of `pvtest fill pvio_seed` on port 5001; the sender
#	                   retries connecting until the receiver listens
#	  pvio_disk=xvdX   then a file system on that block device: mke2fs,
#	                   mount, write pvio_blk_bytes (default 32 MiB) of
#	                   `pvtest fill pvio_blk_seed`, sync, umount,
#	                   e2fsck -fn, mount again, read it back
#	  pvio_wait=SECS   how long to wait for a device or the peer (120)
#	  pvio_timeout=SECS  the TCP transfer's limit (600)
#	  pvio_death=1     the driver domain is going to die mid-transfer: the
#	                   transfer must fail or time out, and after it the
#	                   peer must be unreachable; with pvio_disk, instead of
#	                   the file system: O_DIRECT writes to the whole disk,
#	                   over and over from before the transfer, must end
#	                   with an error (not hang) within pvio_timeout of the
#	                   disk leaving Connected, and a read after must fail
#	  pvio_bench=1     measurements after the checks: raw reads and writes
#	                   of the block device (O_DIRECT), TCP over loopback,
#	                   tmpfs and the guest's own RAM disk, for comparison
#	pvio_shell=1       (either role) after the setup, a shell on the
#	                   console instead of the tests: `make run`
#
# Results are lines starting with IO- (formats below, next to the code
# that prints them) that tests/linux/run parses and compares, between
# guests and with what it computes on the host; "IO-DONE N failed" ends a
# guest's script, whose exit status is N. Words the runner looks for in a
# broken kernel's log must not appear in this script's own output.
# shellcheck disable=SC3043 # busybox ash has local
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

role="" ip="" peer="" tcp="" seed=1 bytes=67108864 disk="" bseed=2 bbytes=33554432
wait_s=120 tcp_timeout=600 death=0 bench=0 shell=0 pings=10
devs=1 die="" life=900 tcpbuf=""
read -r cmdline </proc/cmdline
set -f
# shellcheck disable=SC2086 # split into words, on purpose
for a in $cmdline; do
	v=${a#*=}
	case $a in
	pvio=*) role=$v ;;
	pvio_ip=*) ip=$v ;;
	pvio_peer=*) peer=$v ;;
	pvio_tcp=*) tcp=$v ;;
	pvio_seed=*) seed=$v ;;
	pvio_bytes=*) bytes=$v ;;
	pvio_disk=*) disk=$v ;;
	pvio_blk_seed=*) bseed=$v ;;
	pvio_blk_bytes=*) bbytes=$v ;;
	pvio_wait=*) wait_s=$v ;;
	pvio_timeout=*) tcp_timeout=$v ;;
	pvio_pings=*) pings=$v ;;
	pvio_death=*) death=$v ;;
	pvio_bench=*) bench=$v ;;
	pvio_shell=*) shell=$v ;;
	pvio_tcpbuf=*) tcpbuf=$v ;;
	pvio_devs=*) devs=$v ;;
	pvio_die=*) die=$v ;;
	pvio_life=*) life=$v ;;
	esac
done
set +f

failed=0
fail() {	# fail WHAT: one failed step, said on the console
	echo "IO-FAIL $*"
	failed=$((failed + 1))
}

now() { cut -d ' ' -f 1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# MiB/s of N bytes in T seconds
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.2f", n / 1048576 / t; else print "inf" }'; }

# ---- the driver domain ----------------------------------------------------------

# The sum of rx and tx bytes of every vif* interface.
vif_bytes() {
	local p r t sum=0
	for p in /sys/class/net/vif*; do
		[ -e "$p" ] || continue
		read -r r <"$p/statistics/rx_bytes" || r=0
		read -r t <"$p/statistics/tx_bytes" || t=0
		sum=$((sum + r + t))
	done
	echo $sum
}

# Each backend device (xenbus's backend bus: vif-F-N, vbd-F-V) as a list.
backend_devices() {
	local p out=""
	for p in /sys/bus/xen-backend/devices/*; do
		[ -e "$p" ] && out="$out ${p##*/}"
	done
	echo "${out# }"
}

dd_main() {
	local t0 joined=" " p v n max=0 list last="" moved
	t0=$(now)
	# Xen's vif-bridge hotplug script does this for each vif in its
	# driver domain: here a loop does it. No STP (a new bridge's default),
	# no forwarding delay: a port forwards as soon as it is up. (busybox's
	# brctl only adds and deletes: the rest is in sysfs.)
	if ! brctl addbr xenbr0 || ! echo 0 >/sys/class/net/xenbr0/bridge/stp_state ||
	   ! echo 0 >/sys/class/net/xenbr0/bridge/forward_delay || ! ip link set xenbr0 up; then
		fail "dd: cannot make the bridge xenbr0"
		return
	fi
	echo "IO-DD bridge xenbr0 up"
	[ ! -e /sys/block/ram0/size ] || echo "IO-DD ram0: $(($(cat /sys/block/ram0/size) / 2048)) MiB"
	while :; do
		for p in /sys/class/net/vif*; do
			[ -e "$p" ] || continue
			v=${p##*/}
			case $joined in *" $v "*) continue ;; esac
			if brctl addif xenbr0 "$v" && ip link set "$v" up; then
				joined="$joined$v "
				echo "IO-DD joined $v to xenbr0 at $(since "$t0")s"
			fi
		done
		list=$(backend_devices)
		if [ "$list" != "$last" ]; then
			echo "IO-DD backend devices at $(since "$t0")s: ${list:-none}"
			last=$list
		fi
		set -f
		# shellcheck disable=SC2086 # count the words
		set -- $list
		set +f
		n=$#
		[ "$n" -le "$max" ] || max=$n
		if [ -n "$die" ]; then
			moved=$(vif_bytes)
			if [ "$moved" -ge "$die" ]; then
				echo "IO-DD dying at $(since "$t0")s: the vifs moved $moved bytes (pvio_die=$die): its kernel threads stall 2 s, then poweroff"
				# A normal poweroff -f lets blkback answer every
				# request on its rings first (it runs on during the
				# kernel's shutdown): a crash would not. With RT
				# throttling off, a real-time busy loop keeps every
				# kernel thread of this one-vCPU domain off the CPU.
				echo -1 >/proc/sys/kernel/sched_rt_runtime_us
				pvtest stall-poweroff 2000
				poweroff -f
				sleep 60
			fi
		fi
		if [ "$max" -ge "$devs" ] && [ "$n" -eq 0 ]; then
			echo "IO-DD end at $(since "$t0")s: the $max backend devices it served are gone"
			return
		fi
		if awk -v a="$(since "$t0")" -v l="$life" 'BEGIN { exit !(a > l) }'; then
			fail "dd: still serving after ${life}s (most devices at once: $max of $devs; now: ${list:-none})"
			return
		fi
		sleep 0.5
	done
}

# ---- a frontend: the network ------------------------------------------------------

# Wait up to pvio_wait seconds for FILE to exist.
wait_for() {	# wait_for FILE
	local i=0
	while [ ! -e "$1" ]; do
		[ $i -lt $((wait_s * 2)) ] || return 1
		sleep 0.5
		i=$((i + 1))
	done
	return 0
}

# Format: IO-NET eth0 up MAC IP/24 after Ts
net_up() {
	local t0 mac
	t0=$(now)
	if ! wait_for /sys/class/net/eth0; then
		fail "net: no eth0 after ${wait_s}s (netfront: $(dmesg | grep -i -m 1 netfront))"
		return 1
	fi
	read -r mac </sys/class/net/eth0/address
	if ! ip addr add "$ip/24" dev eth0 || ! ip link set eth0 up; then
		fail "net: cannot give eth0 the address $ip/24"
		return 1
	fi
	echo "IO-NET eth0 up $mac $ip/24 after $(since "$t0")s"
	if [ -n "$tcpbuf" ]; then
		echo "$tcpbuf" >/proc/sys/net/core/rmem_max
		echo "$tcpbuf" >/proc/sys/net/core/wmem_max
		echo "4096 $tcpbuf $tcpbuf" >/proc/sys/net/ipv4/tcp_rmem
		echo "4096 $tcpbuf $tcpbuf" >/proc/sys/net/ipv4/tcp_wmem
		echo "IO-NET TCP buffers $tcpbuf bytes"
	fi
}

# Format: IO-PING ME -> PEER: N sent, N received, avg X ms (first reply after Ts)
ping_peer() {
	local t0 i=0 out sent got avg first
	t0=$(now)
	until ping -c 1 -W 1 "$peer" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -ge "$wait_s" ]; then
			fail "ping: no reply from $peer in $i tries ($(since "$t0")s)"
			return 1
		fi
	done
	first=$(since "$t0")
	out=$(ping -c "$pings" -i 0.2 "$peer" 2>&1)
	sent=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
	got=$(echo "$out" | sed -n 's/.*transmitted, \([0-9]*\) packets received.*/\1/p')
	avg=$(echo "$out" | sed -n 's/^round-trip min\/avg\/max = [0-9.]*\/\([0-9.]*\)\/.*/\1/p')
	echo "IO-PING $ip -> $peer: ${sent:-?} sent, ${got:-?} received, avg ${avg:-?} ms (first reply after ${first}s)"
	if [ "$sent" != "$pings" ] || [ "$got" != "$pings" ]; then
		fail "ping: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		return 1
	fi
}

# Format: IO-TCP send|recv BYTES MD5 in Ts (X MiB/s) [after N connection attempts]
# The sender's sum is of the bytes that went into nc (tee to a FIFO),
# the receiver's of those that came out of it: the runner compares both
# with each other and with the sum of the same data made on the host.
tcp_send() {
	local t0 t tries=0 rc sum start
	start=$(now)
	while :; do
		tries=$((tries + 1))
		rm -f /tmp/tx.fifo
		mkfifo /tmp/tx.fifo
		md5sum </tmp/tx.fifo >/tmp/tx.md5 &
		t0=$(now)
		pvtest fill "$seed" "$bytes" | tee /tmp/tx.fifo |
			timeout "$tcp_timeout" nc "$peer" 5001 2>/tmp/nc.err
		rc=$?
		t=$(since "$t0")
		wait
		# Connection refused: the receiver does not listen yet.
		grep -q "can't connect" /tmp/nc.err || break
		if awk -v a="$(since "$start")" -v l="$wait_s" 'BEGIN { exit !(a > l) }'; then
			fail "tcp: $peer:5001 refused for ${wait_s}s ($tries attempts)"
			return 1
		fi
		sleep 1
	done
	sum=$(cut -d ' ' -f 1 /tmp/tx.md5)
	if [ $rc -ne 0 ]; then
		echo "IO-TCP send aborted after ${t}s: nc status $rc$([ $rc -ne 143 ] || echo " (killed by timeout ${tcp_timeout}s)"): $(head -c 100 /tmp/nc.err)"
		[ "$death" = 1 ] || fail "tcp: the transfer to $peer failed"
		return 1
	fi
	echo "IO-TCP send $bytes $sum in ${t}s ($(rate "$bytes" "$t") MiB/s) after $tries connection attempts"
}

tcp_recv() {
	local t0 t rc sum n
	rm -f /tmp/hold.fifo
	mkfifo /tmp/hold.fifo
	# nc's standard input: nothing, and no end either (a FIFO opened for
	# reading and writing). At the end of its input nc would close its
	# half of the connection, and the sender's nc would take that for
	# the end of the transfer.
	rm -f /tmp/rx.fifo
	mkfifo /tmp/rx.fifo
	md5sum </tmp/rx.fifo >/tmp/rx.md5 &
	t0=$(now)
	timeout "$tcp_timeout" nc -l -p 5001 <>/tmp/hold.fifo 2>/tmp/nc.err |
		tee /tmp/rx.fifo | wc -c >/tmp/rx.n
	rc=$?
	t=$(since "$t0")
	wait
	read -r n </tmp/rx.n
	sum=$(cut -d ' ' -f 1 /tmp/rx.md5)
	echo "IO-TCP recv ${n:-0} $sum in ${t}s ($(rate "${n:-0}" "$t") MiB/s, from listen to end)"
	if [ "${n:-0}" != "$bytes" ]; then
		echo "IO-TCP recv aborted after ${t}s: ${n:-0} of $bytes bytes: $(head -c 100 /tmp/nc.err)"
		[ "$death" = 1 ] || fail "tcp: received ${n:-0} of $bytes bytes"
		return 1
	fi
	[ $rc -eq 0 ] || fail "tcp: receiving pipeline status $rc"
}

# After the driver domain died: what the frontend sees.
# Format: IO-AFTER ping PEER: N received; vif-0 state STATE; eth0 OPERSTATE carrier C
after_death() {
	local got st op car
	got=$(ping -c 3 -W 2 "$peer" 2>&1 | sed -n 's/.*transmitted, \([0-9]*\) packets received.*/\1/p')
	st=$(cat /sys/bus/xen/devices/vif-0/state 2>/dev/null || echo gone)
	op=$(cat /sys/class/net/eth0/operstate 2>/dev/null || echo gone)
	car=$(cat /sys/class/net/eth0/carrier 2>/dev/null || echo "?")
	echo "IO-AFTER ping $peer: ${got:-?} received; vif-0 state $st; eth0 $op carrier $car"
	[ "${got:-0}" = 0 ] || fail "after the driver domain died, $peer still answers pings"
}

# ---- a frontend: the disk -----------------------------------------------------------

# Formats:
#   IO-BLK DEV present: N MiB after Ts
#   IO-BLK mke2fs ok
#   IO-BLK write BYTES MD5 in Ts (X MiB/s, with sync)
#   IO-BLK fsck status N: SUMMARY
#   IO-BLK read BYTES MD5 in Ts (X MiB/s, after drop_caches)
blk_main() {
	local dev="/dev/$disk" t0 t sectors sum n rc
	t0=$(now)
	if ! wait_for "/sys/block/$disk"; then
		fail "blk: no $disk after ${wait_s}s (blkfront: $(dmesg | grep -i -m 1 blkfront))"
		return 1
	fi
	wait_for "$dev" || { fail "blk: no $dev node"; return 1; }
	read -r sectors <"/sys/block/$disk/size"
	[ "$sectors" != 0 ] || { sleep 2; read -r sectors <"/sys/block/$disk/size"; echo "IO-BLK $disk: size 0 at first, $sectors sectors 2s later"; }
	echo "IO-BLK $disk present: $((sectors / 2048)) MiB after $(since "$t0")s"
	if ! mke2fs -F "$dev" >/tmp/mke2fs.out 2>&1; then
		fail "blk: mke2fs $dev: $(tail -n 2 /tmp/mke2fs.out | tr '\n' ' ')"
		return 1
	fi
	echo "IO-BLK mke2fs ok"
	mkdir -p /mnt
	if ! mount -t ext2 "$dev" /mnt; then
		fail "blk: cannot mount $dev"
		return 1
	fi
	rm -f /tmp/w.fifo
	mkfifo /tmp/w.fifo
	md5sum </tmp/w.fifo >/tmp/w.md5 &
	t0=$(now)
	pvtest fill "$bseed" "$bbytes" | tee /tmp/w.fifo >/mnt/data
	sync
	t=$(since "$t0")
	wait
	n=$(wc -c </mnt/data)
	echo "IO-BLK write $n $(cut -d ' ' -f 1 /tmp/w.md5) in ${t}s ($(rate "$n" "$t") MiB/s, with sync)"
	umount /mnt || { fail "blk: umount"; return 1; }
	e2fsck.static -fn "$dev" >/tmp/fsck.out 2>&1
	rc=$?
	echo "IO-BLK fsck status $rc: $(tail -n 1 /tmp/fsck.out)"
	[ $rc -eq 0 ] || fail "blk: e2fsck -fn $dev: status $rc: $(head -n 5 /tmp/fsck.out | tr '\n' ' ')"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if ! mount -t ext2 -o ro "$dev" /mnt; then
		fail "blk: cannot mount $dev again"
		return 1
	fi
	t0=$(now)
	sum=$(md5sum </mnt/data | cut -d ' ' -f 1)
	t=$(since "$t0")
	n=$(wc -c </mnt/data)
	echo "IO-BLK read $n $sum in ${t}s ($(rate "$n" "$t") MiB/s, after drop_caches)"
	umount /mnt
}

# ---- a frontend: the disk when the driver domain dies -------------------------------

# The disk's xenbus device (vbd-N) and its frontend state, by name.
vbd_state() {
	local p
	for p in /sys/bus/xen/devices/vbd-*; do
		[ -e "$p/state" ] && { cat "$p/state"; return; }
	done
	echo gone
}

# In the background, two jobs the script never waits for (started from a
# subshell, so that tcp_send's and tcp_recv's `wait` does not wait for
# them): a writer that writes the whole disk with 1 MiB O_DIRECT writes
# (each 8 requests of 128 KiB on the ring), pass after pass, until dd
# fails; and a watcher that notes when the disk leaves Connected (the
# backend's Closed reached blkfront). Each leaves a file with what it saw.
blk_death_start() {
	local mib sectors
	rm -f /tmp/bw.end /tmp/bw.passes /tmp/vbd.closed
	if ! wait_for "/sys/block/$disk" || ! wait_for "/dev/$disk"; then
		fail "blk: no $disk after ${wait_s}s"
		return 1
	fi
	read -r sectors <"/sys/block/$disk/size"
	mib=$((sectors / 2048))
	echo "IO-BLKDEATH $disk present: $mib MiB, $(vbd_state); writing it with 1 MiB O_DIRECT writes until the driver domain dies"
	( (
		t0=$(now)
		n=0
		while :; do
			dd if=/dev/zero of="/dev/$disk" bs=1M count="$mib" oflag=direct 2>/tmp/bw.err
			rc=$?
			[ $rc = 0 ] || break
			n=$((n + 1))
			echo $n >/tmp/bw.passes
		done
		echo "$rc $(now) $(since "$t0")" >/tmp/bw.end
	) & )
	( (
		while [ "$(vbd_state)" = Connected ]; do
			sleep 0.1
		done
		echo "$(now) $(vbd_state)" >/tmp/vbd.closed
	) & )
}

# After the driver domain died: the writer must have ended with an error
# within pvio_timeout of the disk leaving Connected; a read must get no
# data: blkfront set the disk's size to 0 when it closed, so a read at
# its start ends at once (end of device, status 0) or fails.
# Formats:
#   IO-BLKDEATH disk left Connected: STATE
#   IO-BLKDEATH writer ended: dd status N after P passes, Ts after the disk left Connected: ERROR
#   IO-BLKDEATH writer blocked Ts after the disk left Connected (process state S)
#   IO-BLKDEATH read: dd status N, B bytes, size S sectors: FIRST LINE OF DD'S OUTPUT
#   IO-BLKDEATH kernel: the blkfront line of the kernel log, or none
blk_death_after() {
	local i=0 closed st end rc t pid pst out n sectors
	while [ ! -e /tmp/vbd.closed ] && [ $i -lt $((tcp_timeout * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -e /tmp/vbd.closed ]; then
		fail "blk: $disk still $(vbd_state) ${tcp_timeout}s after the transfer ended"
		return 1
	fi
	read -r closed st </tmp/vbd.closed
	echo "IO-BLKDEATH disk left Connected: $st"
	while [ ! -e /tmp/bw.end ] &&
	      awk -v a="$closed" -v b="$(now)" -v l="$tcp_timeout" 'BEGIN { exit !(b - a < l) }'; do
		sleep 0.2
	done
	if [ -e /tmp/bw.end ]; then
		read -r rc end t </tmp/bw.end
		echo "IO-BLKDEATH writer ended: dd status $rc after $(cat /tmp/bw.passes 2>/dev/null || echo 0) passes, $(awk -v a="$closed" -v b="$end" 'BEGIN { printf "%.2f", b - a }')s after the disk left Connected: $(head -c 100 /tmp/bw.err | tr '\n' ' ')"
		[ "$rc" != 0 ] || fail "blk: the writer ended without an error"
	else
		pid=$(pidof dd | cut -d ' ' -f 1)
		pst=$([ -n "$pid" ] && sed -n 's/^State:[[:space:]]*//p' "/proc/$pid/status")
		echo "IO-BLKDEATH writer blocked ${tcp_timeout}s after the disk left Connected (process state ${pst:-?})"
		fail "blk: writes to $disk hang after the driver domain died"
	fi
	timeout 20 dd if="/dev/$disk" of=/tmp/br.out bs=4k count=1 iflag=direct 2>/tmp/br.err
	rc=$?
	n=$(wc -c </tmp/br.out 2>/dev/null || echo 0)
	read -r sectors <"/sys/block/$disk/size" || sectors="?"
	echo "IO-BLKDEATH read: dd status $rc, $n bytes, size $sectors sectors: $(head -n 1 /tmp/br.err | cut -c 1-100)"
	[ "$n" = 0 ] || fail "blk: $disk still reads after the driver domain died"
	echo "IO-BLKDEATH kernel: $(dmesg | grep -m 1 'backend closed:' | sed 's/^\[[ 0-9.]*\] //' || true)"
}

# ---- measurements ----------------------------------------------------------------

# Time one dd (busybox's prints no byte count): "N bytes in Ts: X MiB/s"
dd_rate() {	# dd_rate BYTES DD-ARGS...
	local n="$1" t0 t
	shift
	t0=$(now)
	dd "$@" 2>/dev/null
	t=$(since "$t0")
	echo "$n bytes in ${t}s: $(rate "$n" "$t") MiB/s"
}

# Formats: IO-BENCH NAME: what, N bytes in Ts: X MiB/s
#          IO-BENCH ping-loopback: avg X ms
bench_main() {
	local n=$((32 * 1048576)) t0 t got avg
	ip link set lo up
	if [ -n "$disk" ] && [ -b "/dev/$disk" ]; then
		echo "IO-BENCH blk-write: /dev/$disk, 1 MiB O_DIRECT writes, $(dd_rate $n if=/dev/zero of="/dev/$disk" bs=1M count=32 oflag=direct)"
		echo "IO-BENCH blk-read: /dev/$disk, 1 MiB O_DIRECT reads, $(dd_rate $n if="/dev/$disk" of=/dev/null bs=1M count=32 iflag=direct)"
	fi
	if [ -b /dev/ram0 ]; then
		echo "IO-BENCH ram-write: this guest's own /dev/ram0, 1 MiB O_DIRECT writes, $(dd_rate $n if=/dev/zero of=/dev/ram0 bs=1M count=32 oflag=direct)"
		echo "IO-BENCH ram-read: this guest's own /dev/ram0, 1 MiB O_DIRECT reads, $(dd_rate $n if=/dev/ram0 of=/dev/null bs=1M count=32 iflag=direct)"
	fi
	echo "IO-BENCH tmpfs-write: 1 MiB writes, $(dd_rate $n if=/dev/zero of=/tmp/bench bs=1M count=32 conv=fsync)"
	echo "IO-BENCH tmpfs-read: 1 MiB reads, $(dd_rate $n if=/tmp/bench of=/dev/null bs=1M)"
	rm -f /tmp/bench
	# TCP over loopback: the same nc pipeline as between the guests, no
	# hypervisor in its path.
	rm -f /tmp/lo.fifo
	mkfifo /tmp/lo.fifo
	nc -l -p 5002 <>/tmp/lo.fifo 2>/dev/null | wc -c >/tmp/lo.n &
	sleep 1
	t0=$(now)
	pvtest fill 7 $n | nc 127.0.0.1 5002
	t=$(since "$t0")
	wait
	read -r got </tmp/lo.n
	echo "IO-BENCH tcp-loopback: nc to nc, $got bytes in ${t}s: $(rate "$got" "$t") MiB/s"
	avg=$(ping -c 10 -i 0.2 127.0.0.1 2>&1 | sed -n 's/^round-trip min\/avg\/max = [0-9.]*\/\([0-9.]*\)\/.*/\1/p')
	echo "IO-BENCH ping-loopback: avg ${avg:-?} ms"
}

# ---- main --------------------------------------------------------------------------

echo "IO-BEGIN role ${role:-none}, Linux $(uname -r) up $(now)s"
mkdir -p /mnt
# A kernel with netfront and blkfront as modules (Debian's): the runner
# put them here.
for m in /lib/modules/pvio/*.ko; do
	[ -e "$m" ] || continue
	if insmod "$m"; then
		echo "IO-MODULE ${m##*/} loaded"
	else
		fail "insmod $m"
	fi
done
case $role in
dd)
	if [ "$shell" = 1 ]; then
		life=100000000
		dd_main &
	else
		dd_main
	fi
	;;
guest)
	if [ -n "$ip" ] && net_up; then
		if [ "$shell" != 1 ] && [ -n "$peer" ] && ping_peer; then
			[ "$death" != 1 ] || [ -z "$disk" ] || blk_death_start
			case $tcp in
			send) tcp_send ;;
			recv) tcp_recv ;;
			esac
			[ "$death" != 1 ] || after_death
		fi
	fi
	if [ "$shell" != 1 ] && [ -n "$disk" ]; then
		if [ "$death" = 1 ]; then
			blk_death_after
		else
			blk_main
		fi
	fi
	[ "$bench" != 1 ] || bench_main
	;;
*)
	fail "no pvio=dd|guest on the command line"
	;;
esac

if [ "$shell" = 1 ]; then
	echo "IO-SETUP done: a shell (exit ends this domain)"
	[ "$role" != dd ] || echo "(the loop joining vif* interfaces to xenbr0 runs on in the background)"
	export PS1='pvisor:\w# '
	exec sh -i
fi
# The kernel log, for the runner (as workload.sh prints it).
echo "DMESG-BEGIN"
dmesg
echo "DMESG-END"
echo "IO-DONE $failed failed"
exit $failed
