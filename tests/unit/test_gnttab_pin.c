/*
 * test_gnttab_pin.c - hv/core/gnttab_pin.c: pinning a grant entry (its
 * GTF_reading/GTF_writing flags and the active entry) in both formats,
 * converting the reserved entries between them, and the maptrack.
 */
#include <signal.h>
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/gnttab_pin.h"

static struct grant_entry_v1 e;
static struct gnt_active a;
static const struct gnt_entry g1 = { .e = &e, .status = &e.flags, .version = 1 };

static void grant(u16 flags, u16 domid, u32 frame)
{
	memset(&a, 0, sizeof(a));
	e.flags = flags;
	e.domid = domid;
	e.frame = frame;
}

START_TEST(test_read_pin_sets_reading)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(a.frame, 77);
	ck_assert_uint_eq(a.domid, 2);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
	gnt_unpin(&g1, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
	ck_assert_uint_eq(a.pin, 0);
}
END_TEST

START_TEST(test_write_pin_sets_both)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_refused_changes_nothing)
{
	/* Another domain's grant; no grant; a transfer entry; read-only for writing. */
	static const struct { u16 flags, domid; u32 inc; } bad[] = {
		{ GTF_permit_access, 3, GNTPIN_hstr_inc },
		{ GTF_invalid, 2, GNTPIN_hstr_inc },
		{ GTF_accept_transfer, 2, GNTPIN_hstr_inc },
		{ GTF_transitive, 2, GNTPIN_hstr_inc },
		{ GTF_permit_access | GTF_readonly, 2, GNTPIN_hstw_inc },
		{ GTF_permit_access | GTF_readonly, 2, GNTPIN_devw_inc },
		{ GTF_permit_access | GTF_sub_page, 2, GNTPIN_hstr_inc },	/* as Xen's map */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		grant(bad[i].flags, bad[i].domid, 77);
		ck_assert_int_eq(gnt_pin(&g1, &a, 2, bad[i].inc, GNT_USE_MAP), GNTST_general_error);
		ck_assert_uint_eq(e.flags, bad[i].flags);
		ck_assert_uint_eq(a.pin, 0);
	}
	grant(GTF_permit_access | GTF_readonly, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_devr_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_readonly | GTF_reading);
}
END_TEST

START_TEST(test_upgrade_and_downgrade)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	/* The granter makes it read-only meanwhile: a writer is refused. */
	e.flags |= GTF_readonly;
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_general_error);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
	e.flags &= (u16)~GTF_readonly;
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	gnt_unpin(&g1, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_writing_stays_while_a_writer_pins)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_devw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&g1, &a, GNTPIN_devw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	gnt_unpin(&g1, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_frame_read_at_first_pin_only)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	e.frame = 99;		/* the granter changes it while pinned */
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(a.frame, 77);
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc | GNTPIN_hstr_inc);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(a.frame, 99);
}
END_TEST

START_TEST(test_other_domain_while_pinned)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	e.domid = 3;		/* the granter re-grants it to 3 while 2 holds it */
	ck_assert_int_eq(gnt_pin(&g1, &a, 3, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_general_error);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
}
END_TEST

START_TEST(test_pin_overflow_refused)
{
	int n = 0;

	grant(GTF_permit_access, 2, 77);
	while (gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP) == GNTST_okay && n < 1000)
		n++;
	ck_assert_int_eq(n, 128);
	ck_assert_uint_eq(a.pin, 128 * GNTPIN_hstr_inc);
	/* Another kind still has room: each byte is its own count. */
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_devr_inc, GNT_USE_MAP), GNTST_general_error);
}
END_TEST

START_TEST(test_unpin_keeps_granter_bits)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_okay);
	e.flags &= (u16)~GTF_permit_access;	/* the granter revokes it */
	e.flags |= 0x8000;			/* and sets a bit of its own */
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, 0x8000);
	ck_assert_uint_eq(e.domid, 2);
}
END_TEST

START_TEST(test_unpin_too_much_panics)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g1, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	gnt_unpin(&g1, &a, GNTPIN_hstw_inc | GNTPIN_hstr_inc);
}
END_TEST

/* ---- Version 2: the bits in the status entry -------------------------------- */

static union grant_entry_v2 e2;
static grant_status_t st2;
static const struct gnt_entry g2 = { .e = &e2, .status = &st2, .version = 2 };

static void grant2(u16 flags, u16 domid, u64 frame)
{
	memset(&a, 0, sizeof(a));
	memset(&e2, 0, sizeof(e2));
	st2 = 0;
	e2.hdr.flags = flags;
	e2.hdr.domid = domid;
	e2.full_page.frame = frame;
}

START_TEST(test_v2_bits_in_status)
{
	grant2(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(st2, GTF_reading);
	ck_assert_uint_eq(e2.hdr.flags, GTF_permit_access);	/* the header untouched */
	ck_assert_uint_eq(a.frame, 77);
	ck_assert_uint_eq(a.length, PAGE_SIZE);
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_devw_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(st2, GTF_reading | GTF_writing);
	gnt_unpin(&g2, &a, GNTPIN_devw_inc);
	ck_assert_uint_eq(st2, GTF_reading);
	gnt_unpin(&g2, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(st2, 0);
	ck_assert_uint_eq(e2.hdr.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_v2_refused_changes_nothing)
{
	static const struct { u16 flags, domid; u32 inc; int use; } bad[] = {
		{ GTF_permit_access, 3, GNTPIN_hstr_inc, GNT_USE_MAP },
		{ GTF_invalid, 2, GNTPIN_hstr_inc, GNT_USE_COPY },
		{ GTF_accept_transfer, 2, GNTPIN_hstr_inc, GNT_USE_MAP },
		{ GTF_transitive, 2, GNTPIN_hstr_inc, GNT_USE_COPY },
		{ GTF_permit_access | GTF_readonly, 2, GNTPIN_hstw_inc, GNT_USE_COPY },
		{ GTF_permit_access | GTF_sub_page, 2, GNTPIN_hstr_inc, GNT_USE_MAP },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		grant2(bad[i].flags, bad[i].domid, 77);
		ck_assert_int_eq(gnt_pin(&g2, &a, 2, bad[i].inc, bad[i].use), GNTST_general_error);
		ck_assert_uint_eq(st2, 0);
		ck_assert_uint_eq(e2.hdr.flags, bad[i].flags);
		ck_assert_uint_eq(a.pin, 0);
	}
}
END_TEST

START_TEST(test_v2_failed_upgrade_keeps_reading)
{
	grant2(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	e2.hdr.flags |= GTF_readonly;
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstw_inc, GNT_USE_MAP), GNTST_general_error);
	ck_assert_uint_eq(st2, GTF_reading);	/* the reader's bit stays */
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
}
END_TEST

/*
 * The granter changes the entry between the hypervisor's two looks (the
 * status bits set in between): simulated by a status entry that aliases
 * the header's domid, so that setting GTF_reading there turns domid 2
 * into 10. The second look must refuse, and back out exactly the bits it
 * set (domid 2 again).
 */
START_TEST(test_v2_entry_changed_between_looks)
{
	const struct gnt_entry racy = { .e = &e2, .status = &e2.hdr.domid, .version = 2 };

	grant2(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&racy, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_general_error);
	ck_assert_uint_eq(e2.hdr.domid, 2);
	ck_assert_uint_eq(a.pin, 0);
}
END_TEST

START_TEST(test_v2_sub_page_for_copy)
{
	grant2(GTF_permit_access | GTF_sub_page, 2, 0);
	e2.sub_page.page_off = 100;
	e2.sub_page.length = 50;
	e2.sub_page.frame = 88;
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstr_inc, GNT_USE_COPY), GNTST_okay);
	ck_assert_uint_eq(a.frame, 88);
	ck_assert_uint_eq(a.start, 100);
	ck_assert_uint_eq(a.length, 50);
	ck_assert_uint_eq(a.sub_page, 1);
	/* Pinned as a sub-page grant: no mapping of it. */
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_general_error);
	gnt_unpin(&g2, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(st2, 0);
}
END_TEST

START_TEST(test_v2_frame_beyond_32_bits)
{
	grant2(GTF_permit_access, 2, 0x100000005ULL);
	ck_assert_int_eq(gnt_pin(&g2, &a, 2, GNTPIN_hstr_inc, GNT_USE_MAP), GNTST_okay);
	ck_assert_uint_eq(a.frame, GNT_BAD_FRAME);	/* not frame 5 */
}
END_TEST

START_TEST(test_convert_reserved)
{
	struct grant_entry_v1 v1 = { GTF_permit_access | GTF_readonly | GTF_reading, 4, 1234 };
	struct grant_entry_v1 back;
	union grant_entry_v2 v2;
	grant_status_t st = 0xffff;

	gnt_entry_v1_to_v2(&v1, &v2, &st);
	ck_assert_uint_eq(st, GTF_reading);
	ck_assert_uint_eq(v2.hdr.flags, GTF_permit_access | GTF_readonly);
	ck_assert_uint_eq(v2.hdr.domid, 4);
	ck_assert_uint_eq(v2.full_page.frame, 1234);
	gnt_entry_v2_to_v1(&v2, st, &back);
	ck_assert_mem_eq(&back, &v1, sizeof(v1));
	/* Anything but a full access grant does not survive the way back. */
	v2.hdr.flags = GTF_transitive;
	gnt_entry_v2_to_v1(&v2, GTF_reading, &back);
	ck_assert_uint_eq(back.flags, 0);
	ck_assert_uint_eq(back.domid, 0);
	ck_assert_uint_eq(back.frame, 0);
	/* A frame beyond 32 bits is cut, as Xen. */
	v2.hdr.flags = GTF_permit_access;
	v2.full_page.frame = 0x100000007ULL;
	gnt_entry_v2_to_v1(&v2, 0, &back);
	ck_assert_uint_eq(back.frame, 7);
}
END_TEST

#define NMAP 8
static struct gnt_map ents[NMAP];

START_TEST(test_maptrack)
{
	struct gnt_maptrack mt = { 0 };
	bool seen[NMAP] = { false };
	struct gnt_map *m;
	u32 h;

	ck_assert_ptr_null(gnt_maptrack_alloc(&mt, &h));	/* no storage yet */
	ck_assert_ptr_null(gnt_maptrack_find(&mt, 0));
	gnt_maptrack_init(&mt, ents, NMAP);
	for (int i = 0; i < NMAP; i++) {
		m = gnt_maptrack_alloc(&mt, &h);
		ck_assert_ptr_nonnull(m);
		ck_assert_uint_lt(h, NMAP);
		ck_assert(!seen[h]);
		seen[h] = true;
		ck_assert_ptr_eq(m, &ents[h]);
		/* Allocated but not filled: names nothing yet. */
		ck_assert_ptr_null(gnt_maptrack_find(&mt, h));
		m->flags = GNTMAP_host_map;
		ck_assert_ptr_eq(gnt_maptrack_find(&mt, h), m);
	}
	ck_assert_ptr_null(gnt_maptrack_alloc(&mt, &h));	/* full */
	ck_assert_uint_eq(mt.used, NMAP);
	ck_assert_ptr_null(gnt_maptrack_find(&mt, NMAP));	/* forged */
	ck_assert_ptr_null(gnt_maptrack_find(&mt, 0xffffffffu));
	gnt_maptrack_free(&mt, 5);
	ck_assert_ptr_null(gnt_maptrack_find(&mt, 5));		/* stale */
	m = gnt_maptrack_alloc(&mt, &h);
	ck_assert_uint_eq(h, 5);
	ck_assert_uint_eq(m->flags, 0);
}
END_TEST

Suite *gnttab_pin_suite(void)
{
	Suite *s = suite_create("gnttab_pin");
	TCase *tc = tcase_create("pin");

	tcase_add_test(tc, test_read_pin_sets_reading);
	tcase_add_test(tc, test_write_pin_sets_both);
	tcase_add_test(tc, test_refused_changes_nothing);
	tcase_add_test(tc, test_upgrade_and_downgrade);
	tcase_add_test(tc, test_writing_stays_while_a_writer_pins);
	tcase_add_test(tc, test_frame_read_at_first_pin_only);
	tcase_add_test(tc, test_other_domain_while_pinned);
	tcase_add_test(tc, test_pin_overflow_refused);
	tcase_add_test(tc, test_unpin_keeps_granter_bits);
	tcase_add_test_raise_signal(tc, test_unpin_too_much_panics, SIGABRT);
	tcase_add_test(tc, test_v2_bits_in_status);
	tcase_add_test(tc, test_v2_refused_changes_nothing);
	tcase_add_test(tc, test_v2_failed_upgrade_keeps_reading);
	tcase_add_test(tc, test_v2_entry_changed_between_looks);
	tcase_add_test(tc, test_v2_sub_page_for_copy);
	tcase_add_test(tc, test_v2_frame_beyond_32_bits);
	tcase_add_test(tc, test_convert_reserved);
	tcase_add_test(tc, test_maptrack);
	suite_add_tcase(s, tc);
	return s;
}
