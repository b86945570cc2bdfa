/*
 * test_acpi.c - hv/x86/acpi.c against hand-made ACPI tables: QEMU's shape
 * (RSDP revision 0 -> RSDT -> MADT), the XSDT path, and tables broken in
 * every way the parser checks (checksums, lengths, entries, pointers).
 *
 * "Physical memory" is one buffer; the map function refuses what lies
 * outside it, as the hypervisor's refuses what lies outside its direct map.
 */
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "x86/acpi.h"

#define MEM_BASE	0x7fe0000ULL
#define MEM_SIZE	8192
#define RSDT_PA		(MEM_BASE + 0x100)
#define XSDT_PA		(MEM_BASE + 0x200)
#define FACP_PA		(MEM_BASE + 0x400)
#define MADT_PA		(MEM_BASE + 0x800)

static u8 mem[MEM_SIZE];
static u8 rsdp[36];
static char err[128];
static struct acpi_madt_info info;

static const void *map_mem(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (pa < MEM_BASE || len > MEM_SIZE || pa - MEM_BASE > MEM_SIZE - len)
		return NULL;
	return mem + (pa - MEM_BASE);
}

static u8 *at(u64 pa)
{
	return mem + (pa - MEM_BASE);
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

static void fix_sum(u8 *p, u32 len, u32 sum_off)
{
	u8 s = 0;

	p[sum_off] = 0;
	for (u32 i = 0; i < len; i++)
		s += p[i];
	p[sum_off] = (u8)-s;
}

/* A system table header at pa; the checksum is set by seal(). */
static void header(u64 pa, const char *sig, u32 len)
{
	u8 *h = at(pa);

	memcpy(h, sig, 4);
	put32(h + 4, len);
	h[8] = 1;
	memcpy(h + 10, "PVTEST", 6);
}

static void seal(u64 pa)
{
	u32 len;

	memcpy(&len, at(pa) + 4, 4);
	fix_sum(at(pa), len, 9);
}

static void make_rsdp(int rev, u32 rsdt, u64 xsdt)
{
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "PVTEST", 6);
	rsdp[15] = (u8)rev;
	put32(rsdp + 16, rsdt);
	fix_sum(rsdp, 20, 8);
	if (rev >= 2) {
		put32(rsdp + 20, 36);
		put64(rsdp + 24, xsdt);
		fix_sum(rsdp, 36, 32);
	}
}

/* A MADT with n local APIC entries (APIC ids ids[], enabled per en[]). */
static u32 madt_len;
static void make_madt(int n, const u8 *ids, const bool *en)
{
	u8 *e;

	madt_len = 44 + 8 * n;
	header(MADT_PA, "APIC", madt_len);
	put32(at(MADT_PA) + 36, 0xfee00000);
	put32(at(MADT_PA) + 40, 1);	/* PCAT_COMPAT */
	e = at(MADT_PA) + 44;
	for (int i = 0; i < n; i++, e += 8) {
		e[0] = 0;
		e[1] = 8;
		e[2] = (u8)i;		/* uid */
		e[3] = ids[i];
		put32(e + 4, en[i] ? 1 : 0);
	}
	seal(MADT_PA);
}

/* QEMU's shape: RSDP rev 0 -> RSDT {FACP, APIC} -> MADT with cpus. */
static void qemu_tables(int cpus)
{
	u8 ids[ACPI_MAX_CPUS + 8];
	bool en[ACPI_MAX_CPUS + 8];

	memset(mem, 0, sizeof(mem));
	for (int i = 0; i < cpus; i++) {
		ids[i] = (u8)i;
		en[i] = true;
	}
	header(FACP_PA, "FACP", 36);
	seal(FACP_PA);
	make_madt(cpus, ids, en);
	header(RSDT_PA, "RSDT", 36 + 8);
	put32(at(RSDT_PA) + 36, (u32)FACP_PA);
	put32(at(RSDT_PA) + 40, (u32)MADT_PA);
	seal(RSDT_PA);
	make_rsdp(0, (u32)RSDT_PA, 0);
}

static int parse(void)
{
	err[0] = '\0';
	return acpi_find_cpus(rsdp, sizeof(rsdp), map_mem, NULL, &info, err, sizeof(err));
}

static void expect_error(const char *needle)
{
	ck_assert_int_eq(parse(), -1);
	ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

START_TEST(test_qemu_four_cpus)
{
	qemu_tables(4);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(info.nr_cpus, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(info.cpu[i].apic_id, (unsigned)i);
		ck_assert_uint_eq(info.cpu[i].uid, (unsigned)i);
	}
	ck_assert_uint_eq(info.lapic_phys, 0xfee00000);
	ck_assert_int_eq(info.nr_disabled, 0);
	ck_assert_int_eq(info.nr_dropped, 0);
}
END_TEST

START_TEST(test_xsdt_preferred)
{
	qemu_tables(2);
	/* An XSDT with only the MADT; the RSDT now points nowhere useful. */
	header(XSDT_PA, "XSDT", 36 + 8);
	put64(at(XSDT_PA) + 36, MADT_PA);
	seal(XSDT_PA);
	put32(at(RSDT_PA) + 40, (u32)FACP_PA);
	seal(RSDT_PA);
	make_rsdp(2, (u32)RSDT_PA, XSDT_PA);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(info.nr_cpus, 2);
	/* A revision-2 RSDP with no XSDT falls back to the RSDT (no MADT there now). */
	make_rsdp(2, (u32)RSDT_PA, 0);
	expect_error("no MADT among the 2 tables of the RSDT");
}
END_TEST

START_TEST(test_disabled_and_duplicates)
{
	const u8 ids[] = { 0, 1, 1, 7, 3 };
	const bool en[] = { true, false, true, true, true };

	qemu_tables(1);
	make_madt(5, ids, en);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(info.nr_cpus, 4);	/* 0, 1, 7, 3 */
	ck_assert_int_eq(info.nr_disabled, 1);
	ck_assert_uint_eq(info.cpu[2].apic_id, 7);
	/* A second enabled entry for APIC id 1 is dropped, not kept twice. */
	{
		const u8 d[] = { 0, 1, 1 };
		const bool e[] = { true, true, true };

		make_madt(3, d, e);
		ck_assert_int_eq(parse(), 0);
		ck_assert_int_eq(info.nr_cpus, 2);
		ck_assert_int_eq(info.nr_dropped, 1);
	}
}
END_TEST

START_TEST(test_too_many_cpus)
{
	qemu_tables(ACPI_MAX_CPUS + 3);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(info.nr_cpus, ACPI_MAX_CPUS);
	ck_assert_int_eq(info.nr_dropped, 3);
}
END_TEST

START_TEST(test_x2apic_and_override)
{
	u8 *e;

	qemu_tables(1);
	madt_len = 44 + 8 + 16 + 12;
	put32(at(MADT_PA) + 4, madt_len);
	e = at(MADT_PA) + 52;
	e[0] = 9;
	e[1] = 16;
	put32(e + 4, 300);	/* x2APIC id */
	put32(e + 8, 1);
	put32(e + 12, 42);
	e += 16;
	e[0] = 5;
	e[1] = 12;
	put64(e + 4, 0xfed00000ULL);
	seal(MADT_PA);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(info.nr_cpus, 2);
	ck_assert_uint_eq(info.cpu[1].apic_id, 300);
	ck_assert_uint_eq(info.cpu[1].uid, 42);
	ck_assert_uint_eq(info.lapic_phys, 0xfed00000ULL);
}
END_TEST

START_TEST(test_bad_rsdp)
{
	qemu_tables(2);
	ck_assert_int_eq(acpi_find_cpus(NULL, 0, map_mem, NULL, &info, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no RSDP"), "%s", err);
	ck_assert_int_eq(acpi_find_cpus(rsdp, 19, map_mem, NULL, &info, err, sizeof(err)), -1);
	rsdp[0] = 'X';
	expect_error("no RSDP signature");
	make_rsdp(0, (u32)RSDT_PA, 0);
	rsdp[16] ^= 1;
	expect_error("RSDP checksum bad");
	make_rsdp(2, (u32)RSDT_PA, XSDT_PA);
	rsdp[24] ^= 1;
	expect_error("RSDP extended checksum bad");
	make_rsdp(2, (u32)RSDT_PA, XSDT_PA);
	put32(rsdp + 20, 200);	/* longer than the copy */
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	expect_error("RSDP length 200");
}
END_TEST

START_TEST(test_bad_root_table)
{
	qemu_tables(2);
	at(RSDT_PA)[40] ^= 1;	/* checksum no longer sums to 0 */
	expect_error("RSDT at 0x7fe0100 has a bad checksum");
	qemu_tables(2);
	put32(at(RSDT_PA) + 4, 35);	/* shorter than its header */
	seal(RSDT_PA);
	expect_error("RSDT at 0x7fe0100 claims 35 bytes");
	qemu_tables(2);
	put32(at(RSDT_PA) + 4, 0x10000000);	/* absurdly long */
	expect_error("claims 268435456 bytes");
	qemu_tables(2);
	put32(at(RSDT_PA) + 4, 36 + 6);	/* not whole entries */
	seal(RSDT_PA);
	expect_error("not a whole number of entries");
	qemu_tables(2);
	put32(at(RSDT_PA) + 4, MEM_SIZE);	/* runs off readable memory */
	expect_error("cannot be read");
	qemu_tables(2);
	memcpy(at(RSDT_PA), "XSDT", 4);
	seal(RSDT_PA);
	expect_error("is not RSDT");
	qemu_tables(2);
	make_rsdp(0, 0x1000, 0);		/* outside memory */
	expect_error("RSDT at 0x1000 cannot be read");
	make_rsdp(0, 0, 0);
	expect_error("RSDT address is 0");
}
END_TEST

START_TEST(test_bad_madt)
{
	qemu_tables(2);
	at(MADT_PA)[44 + 3] = 9;	/* changed after sealing */
	expect_error("APIC at 0x7fe0800 has a bad checksum");
	qemu_tables(2);
	put32(at(MADT_PA) + 4, 40);	/* no room for the flags */
	seal(MADT_PA);
	expect_error("no room for entries");
	qemu_tables(2);
	at(MADT_PA)[44 + 1] = 0;	/* a zero-length entry: would loop forever */
	seal(MADT_PA);
	expect_error("MADT entry at 44: length 0");
	qemu_tables(2);
	at(MADT_PA)[52 + 1] = 9;	/* past the table's end */
	seal(MADT_PA);
	expect_error("MADT entry at 52: length 9");
	qemu_tables(2);
	at(MADT_PA)[44 + 1] = 6;	/* too short for a local APIC */
	seal(MADT_PA);
	expect_error("local APIC entry at 44: length 6");
	qemu_tables(2);
	put32(at(MADT_PA) + 4, madt_len + 1);	/* one byte of a next entry */
	seal(MADT_PA);
	expect_error("MADT entry at 60 cut off");
	{
		const u8 ids[] = { 0, 1 };
		const bool en[] = { false, false };

		qemu_tables(2);
		make_madt(2, ids, en);
		expect_error("lists no enabled CPU");
	}
	qemu_tables(2);
	put32(at(RSDT_PA) + 40, (u32)(MEM_BASE + MEM_SIZE - 8));	/* header unreadable */
	seal(RSDT_PA);
	expect_error("no MADT among the 2 tables");
}
END_TEST

/* cpu 0 is the boot CPU wherever the MADT lists it; tables without it are refused. */
START_TEST(test_order_cpus)
{
	const u8 ids[] = { 4, 2, 9, 6 };
	const bool en[] = { true, true, true, true };
	u32 apic[ACPI_MAX_CPUS];

	qemu_tables(1);
	make_madt(4, ids, en);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(acpi_order_cpus(&info, 9, apic), 4);
	ck_assert_uint_eq(apic[0], 9);
	ck_assert_uint_eq(apic[1], 4);
	ck_assert_uint_eq(apic[2], 2);
	ck_assert_uint_eq(apic[3], 6);
	ck_assert_int_eq(acpi_order_cpus(&info, 4, apic), 4);
	ck_assert_uint_eq(apic[0], 4);
	ck_assert_uint_eq(apic[1], 2);
	ck_assert_int_eq(acpi_order_cpus(&info, 5, apic), -1);
	/* A full table: still ACPI_MAX_CPUS, the boot CPU first. */
	qemu_tables(ACPI_MAX_CPUS);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(acpi_order_cpus(&info, 31, apic), ACPI_MAX_CPUS);
	ck_assert_uint_eq(apic[0], 31);
	ck_assert_uint_eq(apic[31], 30);
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("madt");

	tcase_add_test(tc, test_qemu_four_cpus);
	tcase_add_test(tc, test_xsdt_preferred);
	tcase_add_test(tc, test_disabled_and_duplicates);
	tcase_add_test(tc, test_too_many_cpus);
	tcase_add_test(tc, test_x2apic_and_override);
	tcase_add_test(tc, test_bad_rsdp);
	tcase_add_test(tc, test_bad_root_table);
	tcase_add_test(tc, test_bad_madt);
	tcase_add_test(tc, test_order_cpus);
	suite_add_tcase(s, tc);
	return s;
}
