/*
 * test_gnttab_pin.c - hv/core/gnttab_pin.c: pinning a grant entry (its
 * GTF_reading/GTF_writing flags and the active entry) and the maptrack.
 */
#include <signal.h>
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/gnttab_pin.h"

static struct grant_entry_v1 e;
static struct gnt_active a;

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
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(a.frame, 77);
	ck_assert_uint_eq(a.domid, 2);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
	gnt_unpin(&e, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
	ck_assert_uint_eq(a.pin, 0);
}
END_TEST

START_TEST(test_write_pin_sets_both)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&e, &a, GNTPIN_hstw_inc);
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
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		grant(bad[i].flags, bad[i].domid, 77);
		ck_assert_int_eq(gnt_pin(&e, &a, 2, bad[i].inc), GNTST_general_error);
		ck_assert_uint_eq(e.flags, bad[i].flags);
		ck_assert_uint_eq(a.pin, 0);
	}
	grant(GTF_permit_access | GTF_readonly, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_devr_inc), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_readonly | GTF_reading);
}
END_TEST

START_TEST(test_upgrade_and_downgrade)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	/* The granter makes it read-only meanwhile: a writer is refused. */
	e.flags |= GTF_readonly;
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_general_error);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
	e.flags &= (u16)~GTF_readonly;
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_okay);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&e, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	gnt_unpin(&e, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_writing_stays_while_a_writer_pins)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_okay);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_devw_inc), GNTST_okay);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	gnt_unpin(&e, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnt_unpin(&e, &a, GNTPIN_devw_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access | GTF_reading);
	gnt_unpin(&e, &a, GNTPIN_hstr_inc);
	ck_assert_uint_eq(e.flags, GTF_permit_access);
}
END_TEST

START_TEST(test_frame_read_at_first_pin_only)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	e.frame = 99;		/* the granter changes it while pinned */
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_okay);
	ck_assert_uint_eq(a.frame, 77);
	gnt_unpin(&e, &a, GNTPIN_hstw_inc | GNTPIN_hstr_inc);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	ck_assert_uint_eq(a.frame, 99);
}
END_TEST

START_TEST(test_other_domain_while_pinned)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	e.domid = 3;		/* the granter re-grants it to 3 while 2 holds it */
	ck_assert_int_eq(gnt_pin(&e, &a, 3, GNTPIN_hstr_inc), GNTST_general_error);
	ck_assert_uint_eq(a.pin, GNTPIN_hstr_inc);
}
END_TEST

START_TEST(test_pin_overflow_refused)
{
	int n = 0;

	grant(GTF_permit_access, 2, 77);
	while (gnt_pin(&e, &a, 2, GNTPIN_hstr_inc) == GNTST_okay && n < 1000)
		n++;
	ck_assert_int_eq(n, 128);
	ck_assert_uint_eq(a.pin, 128 * GNTPIN_hstr_inc);
	/* Another kind still has room: each byte is its own count. */
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_devr_inc), GNTST_general_error);
}
END_TEST

START_TEST(test_unpin_keeps_granter_bits)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstw_inc), GNTST_okay);
	e.flags &= (u16)~GTF_permit_access;	/* the granter revokes it */
	e.flags |= 0x8000;			/* and sets a bit of its own */
	gnt_unpin(&e, &a, GNTPIN_hstw_inc);
	ck_assert_uint_eq(e.flags, 0x8000);
	ck_assert_uint_eq(e.domid, 2);
}
END_TEST

START_TEST(test_unpin_too_much_panics)
{
	grant(GTF_permit_access, 2, 77);
	ck_assert_int_eq(gnt_pin(&e, &a, 2, GNTPIN_hstr_inc), GNTST_okay);
	gnt_unpin(&e, &a, GNTPIN_hstw_inc | GNTPIN_hstr_inc);
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
	tcase_add_test(tc, test_maptrack);
	suite_add_tcase(s, tc);
	return s;
}
