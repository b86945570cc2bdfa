/*
 * pvbench.c - the micro-benchmarks behind `make bench`.
 *
 * Runs in: a Linux guest, as a static binary in the initramfs, once booted
 * natively in QEMU and once as a PV guest on pvisor in the same QEMU.
 *
 * Each benchmark is an operation a paravirtualized kernel does differently
 * from a native one: a null system call (two CR3 switches in compat mode),
 * a page fault (a bounce into the guest kernel and a validated PTE
 * update), fork (page tables pinned and validated, COW write-protects),
 * exec, a pipe round trip (two context switches), mmap/munmap (PTE
 * updates and TLB flushes). Each prints "bench NAME NS_PER_OP" using
 * the median of several repetitions; tools/bench compares the two runs.
 *
 * Time is read with rdtsc, converted with a TSC rate the program measures
 * itself against CLOCK_MONOTONIC over half a second: natively under QEMU
 * the kernel may fall back to the 4 ms jiffies clock, far too coarse for
 * a 200 ns system call, while the TSC is fine-grained in both runs.
 *
 * `pvbench rate ROUNDS SECONDS` is the busy guest of the scale curve
 * (tools/bench/scale.py): instead of the table it measures throughput, so
 * that time given to other domains shows: each round runs null system
 * calls for SECONDS of wall time and prints "rate null_syscall OPS_PER_S",
 * then a loop of arithmetic with no system call and no memory traffic
 * ("rate cpu_loop OPS_PER_S"). On pvisor the guest's clocks follow real
 * time whether or not the guest runs, so a neighbour that takes the CPU
 * lowers these rates.
 *
 * `pvbench smp SCALE` is the multiprocessor table (tools/bench/smp.py, `make
 * bench-smp`), run on a guest with two CPUs (it prints "bench-cpus N", and
 * leaves out what needs two when there is one):
 *   cpu_1job       wall time of a fixed amount of arithmetic in one process
 *   cpu_2jobs      the same amount in each of two processes at once: with
 *                  two CPUs that really run in parallel, about cpu_1job
 *   ipi_pingpong   a pipe round trip between two processes pinned to CPU 0
 *                  and CPU 1: each wakeup crosses CPUs (an IPI natively, an
 *                  event channel IPI on a PV guest)
 *   tlb_shootdown  mmap, touch and munmap of a page by a thread on CPU 0
 *                  while another thread of the same process runs on CPU 1:
 *                  every munmap must flush that CPU too (an IPI natively,
 *                  MMUEXT_TLB_FLUSH_MULTI on a PV guest)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 5

static double tsc_per_ns;

static double clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static unsigned long long rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long long)hi << 32) | lo;
}

static void calibrate(void)
{
	double c0 = clock_ns(), c1;
	unsigned long long t0 = rdtsc();

	do
		c1 = clock_ns();
	while (c1 - c0 < 5e8);
	tsc_per_ns = (rdtsc() - t0) / (c1 - c0);
	printf("bench-tsc-mhz %.1f\n", tsc_per_ns * 1000);
}

static double now_ns(void)
{
	return rdtsc() / tsc_per_ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run fn(iters) REPS times; report the median cost of one operation. */
static void bench(const char *name, void (*fn)(long), long iters)
{
	double t[REPS];

	fn(iters / 10 + 1);	/* warm up */
	for (int i = 0; i < REPS; i++) {
		double t0 = now_ns();

		fn(iters);
		t[i] = (now_ns() - t0) / iters;
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	printf("bench %s %.1f\n", name, t[REPS / 2]);
	fflush(stdout);
}

static void null_syscall(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* Touch fresh anonymous pages: one page fault each. */
static void page_fault(long n)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	munmap(p, n * page);
}

static void mmap_munmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			exit(1);
		munmap(p, 16 * 4096);
	}
}

static void fork_exit(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

static void fork_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
}

static int pin(int cpu);

/*
 * n round trips through two pipes with a child; the child pinned to
 * child_cpu first if that is not -1 (pvbench smp: the other CPU).
 */
static void pingpong(long n, int child_cpu)
{
	int a[2], b[2];
	char c = 0;
	pid_t pid;

	if (pipe(a) || pipe(b))
		exit(1);
	pid = fork();
	if (pid == 0) {
		if (child_cpu >= 0 && pin(child_cpu))
			_exit(1);
		for (long i = 0; i < n; i++) {
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (long i = 0; i < n; i++) {
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			exit(1);
	}
	waitpid(pid, NULL, 0);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

static void pipe_pingpong(long n)
{
	pingpong(n, -1);
}

/* The round trip with the two ends pinned to CPUs 0 and 1 (the caller is on 0). */
static void pingpong_cross(long n)
{
	pingpong(n, 1);
}

/* A 1 MiB file in tmpfs written and read back in 4 KiB blocks. */
static void file_io(long n)
{
	static char buf[4096];

	for (long i = 0; i < n; i++) {
		int fd = open("/tmp/pvbench.dat", O_CREAT | O_TRUNC | O_RDWR, 0600);

		for (int j = 0; j < 256; j++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				exit(1);
		lseek(fd, 0, SEEK_SET);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	unlink("/tmp/pvbench.dat");
}

static volatile unsigned long sink;

/* An LCG step per iteration: registers only, nothing the hypervisor sees. */
static void cpu_loop(long n)
{
	unsigned long x = sink;

	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

/*
 * The kernel's CPU time so far in USER_HZ ticks: all of it, and "steal",
 * the time this vCPU was runnable while the hypervisor ran another (Linux
 * reads it from the runstate area pvisor keeps). Returns -1 if unreadable.
 */
static int cpu_ticks(unsigned long long *total, unsigned long long *steal)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*steal = v[7];
	return 0;
}

/*
 * Operations per second of fn, run in chunks for secs of wall time, and
 * the share of that time stolen by other domains (ticks of /proc/stat).
 */
static void rate(const char *name, void (*fn)(long), long chunk, double secs)
{
	unsigned long long tot0 = 0, st0 = 0, tot1 = 0, st1 = 0;
	double t0, t;
	long n = 0;
	int ok = cpu_ticks(&tot0, &st0) == 0;

	t0 = now_ns();
	do {
		fn(chunk);
		n += chunk;
		t = now_ns();
	} while (t - t0 < secs * 1e9);
	ok = ok && cpu_ticks(&tot1, &st1) == 0 && tot1 > tot0;
	printf("rate %s %.0f", name, n / ((t - t0) / 1e9));
	if (ok)
		printf(" steal %llu/%llu", st1 - st0, tot1 - tot0);
	printf("\n");
	fflush(stdout);
}

/* ---- The multiprocessor table (pvbench smp) ---------------------------------------- */

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Wall time of `jobs` processes each running cpu_loop(n), all at once. */
static double jobs_ns(int jobs, long n)
{
	double t0 = clock_ns();

	for (int j = 0; j < jobs; j++) {
		if (fork() == 0) {
			pin(j % (int)sysconf(_SC_NPROCESSORS_ONLN));	/* one per CPU */
			cpu_loop(n);
			_exit(0);
		}
	}
	for (int j = 0; j < jobs; j++)
		wait(NULL);
	return clock_ns() - t0;
}

static void report_median(const char *name, double *t)
{
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	printf("bench %s %.1f\n", name, t[REPS / 2]);
	fflush(stdout);
}

static volatile int spinner_stop;

/* The other thread: keeps this process's mm live on CPU 1. */
static void *spinner(void *arg)
{
	(void)arg;
	if (pin(1))
		return NULL;
	while (!spinner_stop)
		cpu_loop(1000);
	return NULL;
}

static void map_touch_unmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			exit(1);
		p[0] = 1;
		munmap(p, 4096);
	}
}

static void smp_table(double scale)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), n = (long)(20000000 * scale);
	double one[REPS], two[REPS];
	pthread_t th;

	printf("bench-cpus %ld\n", cpus);
	for (int i = 0; i < REPS; i++) {
		one[i] = jobs_ns(1, n);
		two[i] = jobs_ns(2, n);
	}
	report_median("cpu_1job", one);
	report_median("cpu_2jobs", two);
	if (cpus < 2 || pin(0))
		return;
	bench("ipi_pingpong", pingpong_cross, (long)(1000 * scale));
	spinner_stop = 0;
	if (pthread_create(&th, NULL, spinner, NULL))
		exit(1);
	bench("tlb_shootdown", map_touch_unmap, (long)(1000 * scale));
	spinner_stop = 1;
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;

	if (argc == 4 && !strcmp(argv[1], "rate")) {
		int rounds = atoi(argv[2]);
		double secs = atof(argv[3]);

		calibrate();
		for (int r = 0; r < rounds; r++) {
			rate("null_syscall", null_syscall, 200, secs);
			rate("cpu_loop", cpu_loop, 100000, secs);
		}
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "smp")) {
		calibrate();
		smp_table(argc > 2 ? atof(argv[2]) : 1.0);
		return 0;
	}
	calibrate();

	bench("null_syscall", null_syscall, (long)(20000 * scale));
	bench("page_fault", page_fault, (long)(2000 * scale));
	bench("mmap_munmap_64k", mmap_munmap, (long)(200 * scale));
	bench("fork_exit", fork_exit, (long)(30 * scale) + 1);
	bench("fork_exec", fork_exec, (long)(20 * scale) + 1);
	bench("pipe_pingpong", pipe_pingpong, (long)(2000 * scale));
	bench("file_io_1m", file_io, (long)(10 * scale) + 1);
	return 0;
}
