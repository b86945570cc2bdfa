/*
 * pvtest - the Linux guest's workload programs, one static binary
 * (tests/linux/run builds it with the host's gcc -static and puts it in
 * the test initramfs as /bin/pvtest).
 *
 *   pvtest forkexec N   N times: fork, execve("/bin/pvtest", "child", i),
 *                       read what the child wrote into a pipe, wait for it
 *                       and check its exit status
 *   pvtest mmap         anonymous and file mappings, mprotect with a
 *                       caught SIGSEGV, copy-on-write across fork, mremap,
 *                       munmap: the page-table paths of a PV kernel
 *   pvtest sleep MS     nanosleep MS milliseconds; print how long it took by
 *                       CLOCK_MONOTONIC and CLOCK_REALTIME, and check that
 *                       both clocks never went backwards in a busy loop
 *   pvtest fill SEED N  write N bytes of pseudo-random data (xorshift64*,
 *                       from SEED) to stdout: test data much faster than
 *                       /dev/urandom under TCG
 *
 *   pvtest ldt          modify_ldt(2): two 32-bit data segments with bases
 *                       in a buffer below 4 GiB, loaded into %gs and read
 *                       through (and lsl of their limit), in this process
 *                       and in a forked child that changes its copy, both
 *                       yielding to each other: each sees its own
 *   pvtest fill SEED N  write N bytes of pseudo-random data (xorshift64*,
 *                       from SEED) to stdout: test data much faster than
 *                       /dev/urandom under TCG
 *
 *   pvtest compat32     children far-jump into 32-bit code (code segments
 *                       0x23, Linux's, and 0xe023, the hypervisor's that
 *                       every Xen PV GDT has) and execute syscall, sysenter
 *                       or int $0x80 there, then ud2: each must get a
 *                       SIGILL or SIGSEGV, which it catches, and nothing
 *                       else may happen (on pvisor before issue 9, the
 *                       0xe023 syscall crashed the whole domain)
 *
 *   pvtest cpus N       the SMP checks: N CPUs online and in this process's
 *                       affinity; a child pinned to each CPU runs there
 *                       all along a busy loop, by the vDSO's getcpu and by
 *                       the getcpu system call; two
 *                       processes on different CPUs add to one shared
 *                       counter with atomic instructions (the sum must be
 *                       exact) and bounce a byte through two pipes (each
 *                       wake-up of the other is a cross-CPU one: an IPI)
 *   pvtest spin P ITERS P processes at once, each ITERS rounds of a busy
 *                       loop (xorshift64*, its result checked against the
 *                       one computed beforehand); prints the wall time and
 *                       the CPUs the children were seen on: the parallel
 *                       CPU-bound job of the SMP measurements
 *
 *   pvtest stall-poweroff MS
 *                       the abrupt death of a driver domain: as a real-time
 *                       process (SCHED_FIFO 99; the caller turned RT
 *                       throttling off) spin MS milliseconds, so that on
 *                       a one-vCPU domain no kernel thread runs (the
 *                       backends' threads answer nothing), then power off
 *                       at once (reboot(2), no sync); only prints if that
 *                       fails
 *
 * All but fill print one line "pvtest NAME: ok ..." and exit 0, or
 * print "pvtest NAME: FAIL ..." and exit 1.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *test = "?";

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("pvtest %s: FAIL ", test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	exit(1);
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- forkexec ----------------------------------------------------------- */

static int child(const char *arg)
{
	long i = strtol(arg, NULL, 10);

	printf("child %ld %ld\n", i, i * i);
	return (int)(i % 7);
}

static int forkexec(int n)
{
	double t0 = now(CLOCK_MONOTONIC);

	for (int i = 0; i < n; i++) {
		int fd[2], status;
		char arg[16], buf[64], want[64];
		ssize_t got = 0, r;
		pid_t pid;

		if (pipe(fd))
			fail("pipe");
		snprintf(arg, sizeof(arg), "%d", i);
		pid = fork();
		if (pid < 0)
			fail("fork %d", i);
		if (pid == 0) {
			char *argv[] = { "pvtest", "child", arg, NULL };
			char *envp[] = { "PATH=/bin", NULL };

			dup2(fd[1], 1);
			close(fd[0]);
			close(fd[1]);
			execve("/bin/pvtest", argv, envp);
			_exit(127);
		}
		close(fd[1]);
		while ((r = read(fd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
			got += r;
		close(fd[0]);
		buf[got] = 0;
		if (waitpid(pid, &status, 0) != pid)
			fail("waitpid %d", i);
		snprintf(want, sizeof(want), "child %d %d\n", i, i * i);
		if (strcmp(buf, want))
			fail("child %d wrote '%s', not '%s'", i, buf, want);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != i % 7)
			fail("child %d: status %#x, expected exit %d", i, status, i % 7);
	}
	printf("pvtest forkexec: ok %d fork+execve+wait in %.2fs\n", n,
	       now(CLOCK_MONOTONIC) - t0);
	return 0;
}

/* ---- mmap ----------------------------------------------------------------- */

static sigjmp_buf segv_jmp;
static volatile sig_atomic_t segv_count;
static volatile void *segv_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	segv_count++;
	segv_addr = si->si_addr;
	siglongjmp(segv_jmp, 1);
}

static int mmap_test(void)
{
	const long pg = sysconf(_SC_PAGESIZE);
	const size_t big = 32 << 20;	/* 32 MiB */
	double t0 = now(CLOCK_MONOTONIC);
	long ops = 0;
	unsigned char *p, *q;
	struct sigaction sa;

	/* 1. Many small anonymous mappings: touch, check, unmap; 20 rounds. */
	for (int round = 0; round < 20; round++) {
		unsigned char *maps[64];

		for (int i = 0; i < 64; i++) {
			size_t len = (size_t)(1 + (i % 8)) * (size_t)pg;

			maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (maps[i] == MAP_FAILED)
				fail("mmap small %d/%d", round, i);
			for (size_t off = 0; off < len; off += (size_t)pg) {
				if (maps[i][off] != 0)
					fail("fresh anonymous page not zero");
				maps[i][off] = (unsigned char)(i + round + off / (size_t)pg);
			}
			ops++;
		}
		for (int i = 0; i < 64; i++) {
			size_t len = (size_t)(1 + (i % 8)) * (size_t)pg;

			for (size_t off = 0; off < len; off += (size_t)pg)
				if (maps[i][off] != (unsigned char)(i + round + off / (size_t)pg))
					fail("small mapping %d lost its data", i);
			if (munmap(maps[i], len))
				fail("munmap");
			ops++;
		}
	}

	/* 2. A big anonymous mapping, every page written and read back. */
	p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap 32 MiB");
	for (size_t off = 0; off < big; off += (size_t)pg)
		*(uint64_t *)(p + off) = off * 2654435761u;
	for (size_t off = 0; off < big; off += (size_t)pg)
		if (*(uint64_t *)(p + off) != off * 2654435761u)
			fail("32 MiB mapping: wrong value at +%#zx", off);
	ops += 2 * (long)(big / (size_t)pg);

	/* 3. Copy-on-write across fork: the child changes every page. */
	{
		pid_t pid = fork();
		int status;

		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			for (size_t off = 0; off < big; off += (size_t)pg)
				*(uint64_t *)(p + off) = ~0ull;
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0)
			fail("COW child: status %#x", status);
		for (size_t off = 0; off < big; off += (size_t)pg)
			if (*(uint64_t *)(p + off) != off * 2654435761u)
				fail("the child's write reached the parent at +%#zx", off);
		ops += (long)(big / (size_t)pg);
	}

	/* 4. mprotect: read-only, a write faults (caught), then writable again. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < 16; i++) {
		volatile unsigned char *target = p + (size_t)i * (size_t)pg * 97;

		if (mprotect(p, big, PROT_READ))
			fail("mprotect read-only");
		if (sigsetjmp(segv_jmp, 1) == 0) {
			*target = 1;
			fail("a write to a read-only page did not fault");
		}
		if (segv_addr != (void *)target)
			fail("SIGSEGV address %p, expected %p", (void *)segv_addr, (void *)target);
		if (mprotect(p, big, PROT_READ | PROT_WRITE))
			fail("mprotect read-write");
		*target = 2;
		if (*target != 2)
			fail("write after mprotect lost");
		ops += 3;
	}
	if (segv_count != 16)
		fail("%d SIGSEGVs, expected 16", (int)segv_count);
	signal(SIGSEGV, SIG_DFL);

	/* 5. mremap: grow (maybe moving), the data comes along. */
	q = mremap(p, big, 2 * big, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fail("mremap");
	for (size_t off = (size_t)pg * 97 * 16; off < big; off += (size_t)pg)
		if (*(uint64_t *)(q + off) != off * 2654435761u)
			fail("mremap lost data at +%#zx", off);
	for (size_t off = big; off < 2 * big; off += (size_t)pg)
		if (q[off] != 0)
			fail("mremap's new pages not zero");
	if (munmap(q, 2 * big))
		fail("munmap 64 MiB");
	ops += 2;

	/* 6. A shared file mapping in tmpfs, seen through read(). */
	{
		const size_t flen = 4 << 20;
		char path[] = "/tmp/pvtest-mmap.XXXXXX";
		int fd = mkstemp(path);
		unsigned char *f, buf[256];

		if (fd < 0 || ftruncate(fd, (off_t)flen))
			fail("tmpfs file");
		f = mmap(NULL, flen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (f == MAP_FAILED)
			fail("mmap file");
		for (size_t off = 0; off < flen; off += 256)
			memset(f + off, (int)((off >> 8) & 0xff), 256);
		if (msync(f, flen, MS_SYNC))
			fail("msync");
		for (size_t off = 0; off < flen; off += 256 * 37) {
			if (pread(fd, buf, 256, (off_t)off) != 256)
				fail("pread");
			for (int k = 0; k < 256; k++)
				if (buf[k] != (unsigned char)((off >> 8) & 0xff))
					fail("file byte at %zu", off + (size_t)k);
		}
		munmap(f, flen);
		close(fd);
		unlink(path);
		ops += 3;
	}

	printf("pvtest mmap: ok %ld operations in %.2fs\n", ops, now(CLOCK_MONOTONIC) - t0);
	return 0;
}

/* ---- sleep ---------------------------------------------------------------- */

static int sleep_test(long ms)
{
	struct timespec req = { ms / 1000, (ms % 1000) * 1000000L };
	double m0, r0, m1, r1, last_m, last_r;

	/* The clocks never go backwards, over a busy 100 ms. */
	last_m = now(CLOCK_MONOTONIC);
	last_r = now(CLOCK_REALTIME);
	m0 = last_m;
	while (last_m - m0 < 0.1) {
		double m = now(CLOCK_MONOTONIC), r = now(CLOCK_REALTIME);

		if (m < last_m)
			fail("CLOCK_MONOTONIC went back by %.9fs", last_m - m);
		if (r < last_r - 1e-6)
			fail("CLOCK_REALTIME went back by %.9fs", last_r - r);
		last_m = m, last_r = r;
	}
	m0 = now(CLOCK_MONOTONIC);
	r0 = now(CLOCK_REALTIME);
	if (nanosleep(&req, NULL))
		fail("nanosleep");
	m1 = now(CLOCK_MONOTONIC);
	r1 = now(CLOCK_REALTIME);
	printf("pvtest sleep: ok %ldms took %.3fs monotonic, %.3fs realtime; realtime %.0f\n",
	       ms, m1 - m0, r1 - r0, r1);
	return 0;
}

/* ---- fill ------------------------------------------------------------------ */

static int fill(uint64_t seed, long long n)
{
	static uint64_t buf[8192];
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	while (n > 0) {
		size_t len = n < (long long)sizeof(buf) ? (size_t)n : sizeof(buf);

		for (size_t i = 0; i < sizeof(buf) / 8; i++) {
			x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
			buf[i] = x * 0x2545f4914f6cdd1dull;
		}
		if (fwrite(buf, 1, len, stdout) != len)
			fail("write");
		n -= (long long)len;
	}
	return fflush(stdout) ? 1 : 0;
}

/* ---- compat32 --------------------------------------------------------------- */

#define COMPAT_VA	0x10000000UL	/* 32-bit code needs a 32-bit address */

/*
 * The signal ends the child with 100 + its number: caught (on a stack of
 * its own: the fault may leave no usable rsp), so the kernel logs nothing
 * about an unhandled signal.
 */
static void compat_signal(int sig)
{
	_exit(100 + sig);
}

/* In a child: into 32-bit code at COMPAT_VA through selector sel. */
static void __attribute__((noreturn)) compat_child(unsigned sel, const unsigned char *code,
						   size_t len)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = compat_signal, .sa_flags = SA_ONSTACK };
	struct {
		uint32_t offset;
		uint16_t sel;
	} __attribute__((packed)) far = { COMPAT_VA, (uint16_t)sel };
	void *p = mmap((void *)COMPAT_VA, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)COMPAT_VA || sigaltstack(&ss, NULL) ||
	    sigaction(SIGILL, &sa, NULL) || sigaction(SIGSEGV, &sa, NULL))
		_exit(90);
	memcpy(p, code, len);
	asm volatile("ljmpl *%0" : : "m"(far) : "memory");
	_exit(91);
}

static const char *ending(int status)
{
	static char buf[32];

	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s", strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 100 + SIGILL)
		return "SIGILL";
	else if (WEXITSTATUS(status) == 100 + SIGSEGV)
		return "SIGSEGV";
	else
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	return buf;
}

static int compat32(void)
{
	static const struct {
		const char *name;
		unsigned char code[4];	/* the instruction, then ud2 */
	} insns[] = {
		{ "syscall", { 0x0f, 0x05, 0x0f, 0x0b } },
		{ "sysenter", { 0x0f, 0x34, 0x0f, 0x0b } },
		{ "int80", { 0xcd, 0x80, 0x0f, 0x0b } },
	};
	static const unsigned sels[] = { 0x23, 0xe023 };
	char out[512] = "";

	for (size_t s = 0; s < sizeof(sels) / sizeof(sels[0]); s++) {
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%#x ",
			 s ? ", " : "", sels[s]);
		for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
			int status;
			pid_t pid = fork();

			if (pid < 0)
				fail("fork");
			if (pid == 0)
				compat_child(sels[s], insns[i].code, sizeof(insns[i].code));
			if (waitpid(pid, &status, 0) != pid)
				fail("waitpid");
			if (strcmp(ending(status), "SIGILL") && strcmp(ending(status), "SIGSEGV"))
				fail("%#x %s: the child ended with %s, not SIGILL or SIGSEGV",
				     sels[s], insns[i].name, ending(status));
			/* "0x23 syscall SIGILL sysenter ..., 0xe023 ...": the
			 * CHECK line stays under the hypervisor's 128-byte
			 * console piece, so a neighbour's output never cuts it. */
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s %s",
				 i ? " " : "", insns[i].name, ending(status));
		}
	}
	printf("pvtest compat32: ok %s\n", out);
	return 0;
}

/* ---- ldt ------------------------------------------------------------------ */

#define LDT_SEL(entry)	(((entry) << 3) | 4 | 3)	/* TI = LDT, RPL 3 */

static void ldt_set(unsigned entry, const void *base)
{
	struct user_desc d = {
		.entry_number = entry,
		.base_addr = (unsigned int)(uintptr_t)base,
		.limit = 0xfff,
		.seg_32bit = 1,
		.contents = 0,		/* data, read-write */
		.useable = 1,
	};

	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
		fail("modify_ldt(1, entry %u, base %p)", entry, base);
}

/* The 8 bytes at off through the segment sel, loaded into %gs (not
 * %fs: glibc's thread pointer). */
static uint64_t gs_read(unsigned sel, long off)
{
	uint64_t v;

	asm volatile("movw %w1, %%gs\n\t"
		     "movq %%gs:(%2), %0\n\t"
		     "movw %w3, %%gs"
		     : "=&r"(v) : "r"(sel), "r"(off), "r"(0) : "memory");
	return v;
}

static unsigned long seg_limit(unsigned sel)
{
	unsigned long lim = 0;

	asm volatile("lsl %1, %0" : "+r"(lim) : "r"((unsigned long)sel) : "cc");
	return lim;
}

/* Entry 0 reads word `first` of buf, entry 1 word first + 32; rounds of yields. */
static void ldt_check(const char *who, const uint64_t *buf, unsigned first, int rounds)
{
	for (int r = 0; r < rounds; r++) {
		uint64_t a = gs_read(LDT_SEL(0), 0), b = gs_read(LDT_SEL(1), 8);

		if (a != buf[first] || b != buf[first + 33])
			fail("%s, round %d: %%gs:0 through entry 0 is %#llx, expected %#llx; %%gs:8 through entry 1 is %#llx, expected %#llx",
			     who, r, (unsigned long long)a, (unsigned long long)buf[first],
			     (unsigned long long)b, (unsigned long long)buf[first + 33]);
		if (seg_limit(LDT_SEL(0)) != 0xfff)
			fail("%s: lsl of entry 0 is %#lx, expected 0xfff", who, seg_limit(LDT_SEL(0)));
		sched_yield();
	}
}

static int ldt_test(void)
{
	const int rounds = 100;
	uint64_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	int status;
	pid_t pid;

	if (buf == MAP_FAILED)
		fail("mmap MAP_32BIT");
	for (int i = 0; i < 1024; i++)
		buf[i] = 0x6c64740000000000ULL | ((uint64_t)getpid() << 16) | (uint64_t)i;
	ldt_set(0, &buf[32]);
	ldt_set(1, &buf[64]);
	ldt_check("parent", buf, 32, 1);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		/* The child's copy of the LDT, changed: entry 0 elsewhere. */
		ldt_set(0, &buf[512]);
		ldt_set(1, &buf[544]);
		ldt_check("child", buf, 512, rounds);
		_exit(0);
	}
	ldt_check("parent beside its child", buf, 32, rounds);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child failed (status %#x)", status);
	ldt_check("parent after its child", buf, 32, 1);
	printf("pvtest ldt: ok 2 entries read through %%gs in parent and child, %d yields each\n",
	       rounds);
	return 0;
}

/* ---- cpus, spin: SMP ---------------------------------------------------------- */

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity to CPU %d", cpu);
}

/* rounds of xorshift64's step: busy work whose result can be checked */
static uint64_t xorshift_rounds(uint64_t x, long rounds)
{
	for (long i = 0; i < rounds; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
	}
	return x;
}

/* Wait for every child; each must exit 0. */
static void reap(int n, const char *what)
{
	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0)
			fail("wait for %s", what);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("a %s child: status %#x", what, status);
	}
}

/* A child pinned to each CPU stays there through a busy loop. */
static void cpus_pinned(int n)
{
	for (int cpu = 0; cpu < n; cpu++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid)
			continue;
		pin(cpu);
		for (int i = 0; i < 200; i++) {
			/* the vDSO's answer (lsl of a per-CPU GDT entry), the kernel's */
			int on = sched_getcpu();
			unsigned int sys = ~0u;

			if (syscall(SYS_getcpu, &sys, NULL, NULL))
				sys = ~0u;
			if (on != cpu || sys != (unsigned int)cpu) {
				printf("pvtest cpus: FAIL pinned to CPU %d, running on %d by sched_getcpu (vDSO), %d by getcpu(2)\n",
				       cpu, on, (int)sys);
				_exit(1);
			}
			xorshift_rounds((uint64_t)i + 1, 20000);
			if (i % 50 == 0)
				sched_yield();
		}
		_exit(0);
	}
	reap(n, "pinned");
}

/*
 * Two processes on CPUs 0 and 1 add to one shared counter with lock xadd;
 * then bounce a byte back and forth through two pipes, each read blocking
 * until the other CPU writes.
 */
static void cpus_shared(int adds, int bounces, double *rate)
{
	uint64_t *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ab[2], ba[2];
	double t0;
	char c = 0;
	pid_t pid;

	if (counter == MAP_FAILED)
		fail("mmap shared");
	if (pipe(ab) || pipe(ba))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	pin(pid ? 0 : 1);
	for (int i = 0; i < adds; i++)
		__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	if (pid == 0) {
		for (int i = 0; i < bounces; i++) {
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	t0 = now(CLOCK_MONOTONIC);
	for (int i = 0; i < bounces; i++) {
		c = (char)i;
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			fail("pipe bounce %d", i);
		if (c != (char)i)
			fail("pipe bounce %d came back as %d", i, c);
	}
	*rate = bounces / (now(CLOCK_MONOTONIC) - t0);
	reap(1, "bounce");
	if (*counter != 2ULL * (uint64_t)adds)
		fail("shared counter %llu after 2 x %d atomic adds",
		     (unsigned long long)*counter, adds);
}

static int cpus_test(int n)
{
	cpu_set_t set;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	double rate = 0;

	if (online != n)
		fail("%ld CPUs online, expected %d", online, n);
	if (sched_getaffinity(0, sizeof(set), &set))
		fail("sched_getaffinity");
	if (CPU_COUNT(&set) != n)
		fail("affinity has %d CPUs, expected %d", CPU_COUNT(&set), n);
	cpus_pinned(n);
	if (n >= 2)
		cpus_shared(100000, 2000, &rate);
	printf("pvtest cpus: ok %d CPUs online, a pinned child ran on each", n);
	if (n >= 2)
		printf(", 2 x 100000 atomic adds exact, %.0f pipe round trips/s between CPUs 0 and 1", rate);
	printf("\n");
	return 0;
}

/*
 * P children at once, each the same chain of xorshift rounds in 1000
 * slices, noting the CPU it is on after each; every child must end with
 * the same value (a register or page lost across a vCPU switch would
 * show). Prints the wall time of the whole.
 */
static int spin(int procs, long rounds)
{
	uint64_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0;

	if (procs < 1 || procs > 64 || rounds < 1000)
		fail("spin: 1..64 processes, at least 1000 rounds");
	if (shared == MAP_FAILED)
		fail("mmap shared");
	t0 = now(CLOCK_MONOTONIC);
	for (int p = 0; p < procs; p++) {
		uint64_t x = 88172645463325252ULL;
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid)
			continue;
		for (int k = 0; k < 1000; k++) {
			int cpu = sched_getcpu();

			if (cpu >= 0 && cpu < 64)
				__atomic_fetch_or(&shared[0], 1ULL << cpu, __ATOMIC_RELAXED);
			x = xorshift_rounds(x, rounds / 1000);
		}
		shared[1 + p] = x;
		_exit(0);
	}
	reap(procs, "spin");
	for (int p = 1; p < procs; p++) {
		if (shared[1 + p] != shared[1])
			fail("child %d computed %#llx, child 0 %#llx", p,
			     (unsigned long long)shared[1 + p], (unsigned long long)shared[1]);
	}
	printf("pvtest spin: ok %d x %ld rounds in %.2fs, on CPUs mask %#llx\n",
	       procs, rounds, now(CLOCK_MONOTONIC) - t0, (unsigned long long)shared[0]);
	return 0;
}

static int stall_poweroff(long ms)
{
	struct sched_param sp = { .sched_priority = 99 };
	double t0 = now(CLOCK_MONOTONIC);

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fail("sched_setscheduler(SCHED_FIFO 99): %s", strerror(errno));
	while (now(CLOCK_MONOTONIC) - t0 < ms / 1000.0)
		;
	reboot(RB_POWER_OFF);
	fail("reboot(RB_POWER_OFF): %s", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2)
		test = argv[1];
	if (argc != 4 || strcmp(argv[1], "fill"))
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "child"))
		return child(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "forkexec"))
		return forkexec(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "mmap"))
		return mmap_test();
	if (argc == 3 && !strcmp(argv[1], "sleep"))
		return sleep_test(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(strtoull(argv[2], NULL, 0), atoll(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "ldt"))
		return ldt_test();
	if (argc == 2 && !strcmp(argv[1], "compat32"))
		return compat32();
	if (argc == 3 && !strcmp(argv[1], "cpus"))
		return cpus_test(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "spin"))
		return spin(atoi(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "stall-poweroff"))
		return stall_poweroff(atol(argv[2]));
	fprintf(stderr, "usage: pvtest forkexec N | mmap | sleep MS | ldt | fill SEED N | compat32 | cpus N | spin P ITERS | stall-poweroff MS\n");
	return 2;
}
