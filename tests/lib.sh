# tests/lib.sh: helpers for the QEMU test layers (sourced, not run).
#
# A test is a shell function that calls t_run to boot an ISO and then
# t_expect / t_reject on the serial log. t_report prints one line per test
# and the closing "N passed, N failed" line that tests/run-all adds up.

T_PASS=0 T_FAIL=0 T_SKIP=0
T_LOGDIR=${T_LOGDIR:-build/test-logs}
T_TIMEOUT=${T_TIMEOUT:-120}
mkdir -p "$T_LOGDIR"

t_begin() {	# t_begin NAME
	T_NAME=$1 T_LOG="$T_LOGDIR/$1.log" T_WHY=""
	rm -f "$T_LOG"
}

t_fail() {	# t_fail REASON: record the first reason only
	[ -n "$T_WHY" ] || T_WHY=$1
}

# t_run ISO [MEM]: boot; T_RC is the exit status (0 success, 1 failure, 124 timeout).
# T_QEMU, if set, is given to QEMU too (tools/run -q), e.g. another -cpu;
# T_CPUS, if set, is QEMU's number of CPUs (tools/run -s; default 1).
t_run() {
	local start=$SECONDS
	tools/run -m "${2:-256M}" -t "$T_TIMEOUT" -l "$T_LOG" ${T_QEMU:+-q "$T_QEMU"} \
		${T_CPUS:+-s "$T_CPUS"} "$1" 2>/dev/null
	T_RC=$?
	T_SECS=$((SECONDS - start))
	# Serial lines end in CR LF, and GRUB leaves a bare CR before our first
	# line: drop every CR so patterns can anchor at ^.
	[ -f "$T_LOG" ] && sed -i 's/\r//g' "$T_LOG"
	[ $T_RC -ne 124 ] || t_fail "timed out after ${T_TIMEOUT}s"
}

t_expect_rc() {	# t_expect_rc RC
	[ "$T_RC" = "$1" ] || t_fail "exit status $T_RC, expected $1"
}

t_expect() {	# t_expect REGEX [DESCRIPTION]: some line of the log matches
	grep -Eq -- "$1" "$T_LOG" 2>/dev/null || t_fail "log lacks: ${2:-$1}"
}

t_reject() {	# t_reject REGEX [DESCRIPTION]: no line of the log matches
	! grep -Eq -- "$1" "$T_LOG" 2>/dev/null || t_fail "log has: ${2:-$1}"
}

t_end() {
	if [ -z "$T_WHY" ]; then
		T_PASS=$((T_PASS + 1))
		echo "PASS $T_NAME"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL $T_NAME: $T_WHY"
		if [ -f "$T_LOG" ]; then
			echo "  last lines of $T_LOG:"
			tail -n 20 "$T_LOG" | sed 's/^/    /'
		fi
	fi
}

t_skip() {	# t_skip REASON
	T_SKIP=$((T_SKIP + 1))
	echo "SKIP $T_NAME: $1"
}

t_report() {
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ $T_FAIL -eq 0 ]
}
