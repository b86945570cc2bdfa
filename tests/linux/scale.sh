#!/bin/sh
# tests/linux/scale.sh: what each of the many small guests of the "scale"
# boot of tests/linux/run does (baked into their shared initramfs by
# tools/mkinitramfs -s). Every guest boots the same kernel and this same
# script; what makes its answer its own is the command line the runner gave
# its domain alone:
#
#	pvscale=NAME:SEED
#
# (NAME is the domain's name, SEED a number the runner drew for this run).
# The guest writes a file in its tmpfs from NAME and SEED, reads it back
# through sha256sum and prints
#
#	SCALE-RESULT NAME SEED SHA256
#
# The runner computes the same sum on the host and checks that the line
# came from the console of domain NAME. A guest that read another's command
# line, got another's memory or console, or never ran, gives a missing or
# wrong line. It then prints how many warning/oops lines its kernel log has
# (SCALE-KLOG) and exits: /init powers the domain off.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

arg=
read -r cmdline </proc/cmdline
set -f
# shellcheck disable=SC2086 # split into words, on purpose
for a in $cmdline; do
	case $a in pvscale=*) arg=${a#pvscale=} ;; esac
done
set +f
name=${arg%%:*} seed=${arg#*:}
if [ -z "$arg" ] || [ "$name" = "$arg" ]; then
	echo "SCALE-RESULT none: no pvscale=NAME:SEED on the command line"
	exit 1
fi

# 20000 lines, about 300 KB, in tmpfs: the same awk program the runner runs
# on the host (busybox's awk there too, so the bytes are the same).
awk -v n="$name" -v s="$seed" \
	'BEGIN { for (i = 0; i < 20000; i++) print n, s, i, (i * s) % 65521 }' >/tmp/scale.dat
sum=$(sha256sum /tmp/scale.dat)
echo "SCALE-RESULT $name $seed ${sum%% *}"

# quiet keeps warnings off the console; count them here (the words the
# runner looks for in a broken kernel's log must not be printed).
bad=$(dmesg | grep -c -E 'WARNING:|BUG:|Oops|Call Trace|[Kk]ernel panic')
echo "SCALE-KLOG $name $bad"
exit 0
