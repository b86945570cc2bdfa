/*
 * ptwork - drive each page-table update that a Xen PV Linux leaves to the
 * writable page-table assist, and check the result is right.
 *
 *   ptwork fork   N PAGES   N forks of a process with PAGES dirty private
 *                           pages: ptep_set_wrprotect on each (COW); the
 *                           parent then writes, the child must see the old data
 *   ptwork munmap N PAGES   N times mmap, touch and munmap PAGES pages:
 *                           ptep_get_and_clear (zap, full=0); touching
 *                           the last one afterwards must fault
 *   ptwork mremap N PAGES   N times move PAGES pages to another address:
 *                           ptep_get_and_clear returns the entry that is
 *                           then set at the new place: data must follow
 *   ptwork young  N PAGES   N times: read PAGES pages, write 1 to
 *                           /proc/self/clear_refs (ptep_test_and_clear_young
 *                           on each): smaps "Referenced" must drop to 0
 *
 * Prints one line: what, how many, microseconds per round, OK or FAIL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL

static int fail;
static double op_us;	/* time inside the system call under test */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *map(unsigned long pages)
{
	char *p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void fill(char *p, unsigned long pages, int tag)
{
	for (unsigned long i = 0; i < pages; i++)
		*(long *)(p + i * PG) = tag * 100000L + (long)i;
}

static int check(const char *p, unsigned long pages, int tag)
{
	for (unsigned long i = 0; i < pages; i++)
		if (*(const long *)(p + i * PG) != tag * 100000L + (long)i)
			return -1;
	return 0;
}

static void do_fork(int n, unsigned long pages)
{
	char *p = map(pages);

	fill(p, pages, 1);
	for (int r = 0; r < n; r++) {
		int go[2], res[2];
		char c = 0;
		pid_t pid;

		if (pipe(go) || pipe(res)) {
			perror("pipe");
			exit(2);
		}
		op_us -= now_us();
		pid = fork();
		if (pid > 0)
			op_us += now_us();
		if (pid < 0) {
			perror("fork");
			exit(2);
		}
		if (pid == 0) {
			/* wait until the parent wrote its copy, then check ours */
			read(go[0], &c, 1);
			c = check(p, pages, r + 1) ? 'F' : 'K';
			write(res[1], &c, 1);
			_exit(0);
		}
		fill(p, pages, r + 2);		/* COW: the parent's new data */
		write(go[1], &c, 1);
		read(res[0], &c, 1);
		if (c != 'K')
			fail = 1;
		waitpid(pid, NULL, 0);
		close(go[0]); close(go[1]); close(res[0]); close(res[1]);
	}
	if (check(p, pages, n + 1))
		fail = 1;
}

static void on_segv(int sig)
{
	(void)sig;
	_exit(77);
}

/* Does touching p give a child SIGSEGV, as it must after munmap? */
static int faults(char *p)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGSEGV, on_segv);
		*(volatile long *)p = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 77;
}

static void do_munmap(int n, unsigned long pages)
{
	char *last = NULL;

	for (int r = 0; r < n; r++) {
		char *p = map(pages);

		fill(p, pages, r);
		if (check(p, pages, r))
			fail = 1;
		op_us -= now_us();
		munmap(p, pages * PG);
		op_us += now_us();
		last = p;
	}
	for (unsigned long i = 0; last && i < pages; i += pages / 4 + 1)
		if (!faults(last + i * PG))
			fail = 1;
}

static void do_mremap(int n, unsigned long pages)
{
	/* two places, 1 page off 2 MiB alignment so whole tables cannot move */
	char *a = map(pages + 1) + PG, *b = map(pages + 1) + PG;

	munmap(b, pages * PG);
	fill(a, pages, 7);
	for (int r = 0; r < n; r++) {
		char *to = (r & 1) ? a : b, *from = (r & 1) ? b : a;

		void *m;

		op_us -= now_us();
		m = mremap(from, pages * PG, pages * PG,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to);
		op_us += now_us();
		if (m != to) {
			perror("mremap");
			exit(2);
		}
		if (check(to, pages, 7))
			fail = 1;
	}
}

/* smaps "Referenced:" in kB of the mapping that starts at p */
static long referenced_kb(const char *p)
{
	char line[256], want[32];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f) {
		perror("smaps");
		exit(2);
	}
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		if ((line[0] >= '0' && line[0] <= '9') ||
		    (line[0] >= 'a' && line[0] <= 'f'))	/* a mapping's header */
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "Referenced: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void do_young(int n, unsigned long pages)
{
	char *p = map(pages);
	volatile long sum = 0;
	ssize_t r_;
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd < 0) {
		perror("/proc/self/clear_refs (CONFIG_PROC_PAGE_MONITOR?)");
		exit(2);
	}
	fill(p, pages, 3);
	for (int r = 0; r < n; r++) {
		for (unsigned long i = 0; i < pages; i++)
			sum += *(long *)(p + i * PG);
		/*
		 * Only the first time: clear_refs does not flush the TLB (the
		 * kernel takes a stale Accessed bit as harmless), so later
		 * reads may not set Accessed again.
		 */
		if (r == 0 && referenced_kb(p) != (long)(pages * PG / 1024))
			fail = 1;
		op_us -= now_us();
		r_ = write(fd, "1", 1);
		op_us += now_us();
		if (r_ != 1) {
			perror("clear_refs");
			exit(2);
		}
		if (referenced_kb(p) != 0)
			fail = 1;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	double t;
	int n;
	unsigned long pages;

	if (argc != 4) {
		fprintf(stderr, "usage: ptwork fork|munmap|mremap|young N PAGES\n");
		return 2;
	}
	n = atoi(argv[2]);
	pages = strtoul(argv[3], NULL, 0);
	t = now_us();
	if (!strcmp(argv[1], "fork"))
		do_fork(n, pages);
	else if (!strcmp(argv[1], "munmap"))
		do_munmap(n, pages);
	else if (!strcmp(argv[1], "mremap"))
		do_mremap(n, pages);
	else if (!strcmp(argv[1], "young"))
		do_young(n, pages);
	else
		return 2;
	t = now_us() - t;
	printf("ptwork %s: %d x %lu pages: %.1f us per round, %.1f us in %s: %s\n",
	       argv[1], n, pages, t / n, op_us / n,
	       !strcmp(argv[1], "young") ? "clear_refs" : argv[1], fail ? "FAIL" : "OK");
	return fail;
}
