/*
 * acpi.c - find the CPUs in the firmware's ACPI tables: RSDP, then the
 * XSDT (or RSDT), then the MADT ("APIC") and its local APIC entries.
 *
 * Runs in: hypervisor, once at boot (x86/smp.c), and host tests.
 * Trusts: nothing in the tables. The firmware wrote them, but a bad or
 * half-written table must cost at most SMP: every signature, checksum and
 * length is checked before a byte behind it is read, every pointer goes
 * through the caller's map function (which refuses what it cannot read),
 * and any error gives a message and a negative return, on which the
 * caller runs on the boot CPU alone.
 *
 * The RSDP comes from the boot loader (Multiboot2's ACPI tags hold a copy
 * of it), so nothing here scans the BIOS area. Layouts (ACPI 6.5, §5.2):
 * RSDP 20 bytes (revision 0) or `length` bytes (revision 2+, XSDT address
 * at 24); every system table starts with a 36-byte header (signature,
 * length, revision, checksum, ...) and its bytes sum to 0 mod 256; the MADT
 * has the local APIC address at 36, flags at 40 and entries from 44, each
 * {type, length}: type 0 is a processor local APIC (uid, APIC id, flags),
 * type 5 a 64-bit local APIC address, type 9 a processor local x2APIC.
 * Flags bit 0 is "enabled"; a disabled entry (online-capable or absent) is
 * counted, not kept: pvisor has no CPU hot-plug.
 */
#include "hv.h"
#include "x86/acpi.h"

#define SDT_HEADER_LEN		36
#define MADT_ENTRIES_OFF	44
#define MADT_LAPIC		0
#define MADT_LAPIC_OVERRIDE	5
#define MADT_X2APIC		9
#define MADT_ENABLED		(1u << 0)

static u8 checksum(const u8 *p, u64 len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/*
 * The system table at pa with signature sig: its header is read first,
 * then the whole length it claims, if that is sane. NULL with err set.
 */
static const u8 *map_table(acpi_map_fn map, void *ctx, u64 pa, const char *sig,
			   u32 *len, char *err, size_t errlen)
{
	const u8 *h;

	if (pa == 0) {
		errorf(err, errlen, "%s address is 0", sig);
		return NULL;
	}
	h = map(ctx, pa, SDT_HEADER_LEN);
	if (!h) {
		errorf(err, errlen, "%s at %#llx cannot be read", sig, (unsigned long long)pa);
		return NULL;
	}
	if (memcmp(h, sig, 4)) {
		errorf(err, errlen, "table at %#llx is not %s", (unsigned long long)pa, sig);
		return NULL;
	}
	*len = rd32(h + 4);
	if (*len < SDT_HEADER_LEN || *len > ACPI_MAX_TABLE_LEN) {
		errorf(err, errlen, "%s at %#llx claims %u bytes", sig,
		       (unsigned long long)pa, *len);
		return NULL;
	}
	h = map(ctx, pa, *len);
	if (!h) {
		errorf(err, errlen, "%s at %#llx (%u bytes) cannot be read", sig,
		       (unsigned long long)pa, *len);
		return NULL;
	}
	if (checksum(h, *len) != 0) {
		errorf(err, errlen, "%s at %#llx has a bad checksum", sig,
		       (unsigned long long)pa);
		return NULL;
	}
	return h;
}

/* The root table's address and entry size (8: XSDT, 4: RSDT). */
static int check_rsdp(const u8 *r, size_t len, u64 *root, int *entry_size,
		      char *err, size_t errlen)
{
	u32 xlen;

	if (len < 20 || memcmp(r, "RSD PTR ", 8))
		return errorf(err, errlen, "no RSDP signature");
	if (checksum(r, 20) != 0)
		return errorf(err, errlen, "RSDP checksum bad");
	if (r[15] >= 2 && len >= 36) {
		xlen = rd32(r + 20);
		if (xlen < 36 || xlen > len)
			return errorf(err, errlen, "RSDP length %u, have %zu bytes", xlen, len);
		if (checksum(r, xlen) != 0)
			return errorf(err, errlen, "RSDP extended checksum bad");
		if (rd64(r + 24)) {
			*root = rd64(r + 24);
			*entry_size = 8;
			return 0;
		}
	}
	*root = rd32(r + 16);
	*entry_size = 4;
	return 0;
}

/* Keep one enabled CPU, unless it is a duplicate or there is no room. */
static void add_cpu(struct acpi_madt_info *out, u32 apic_id, u32 uid)
{
	for (int i = 0; i < out->nr_cpus; i++) {
		if (out->cpu[i].apic_id == apic_id) {
			out->nr_dropped++;
			return;
		}
	}
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->nr_dropped++;
		return;
	}
	out->cpu[out->nr_cpus].apic_id = apic_id;
	out->cpu[out->nr_cpus].uid = uid;
	out->nr_cpus++;
}

static int parse_madt(const u8 *t, u32 len, struct acpi_madt_info *out,
		      char *err, size_t errlen)
{
	u32 off = MADT_ENTRIES_OFF;

	if (len < MADT_ENTRIES_OFF)
		return errorf(err, errlen, "MADT of %u bytes has no room for entries", len);
	out->lapic_phys = rd32(t + 36);
	while (off < len) {
		const u8 *e = t + off;
		u8 type, elen;

		if (len - off < 2)
			return errorf(err, errlen, "MADT entry at %u cut off", off);
		type = e[0];
		elen = e[1];
		if (elen < 2 || elen > len - off)
			return errorf(err, errlen, "MADT entry at %u: length %u", off, elen);
		switch (type) {
		case MADT_LAPIC:
			if (elen < 8)
				return errorf(err, errlen, "MADT local APIC entry at %u: length %u", off, elen);
			if (rd32(e + 4) & MADT_ENABLED)
				add_cpu(out, e[3], e[2]);
			else
				out->nr_disabled++;
			break;
		case MADT_X2APIC:
			if (elen < 16)
				return errorf(err, errlen, "MADT x2APIC entry at %u: length %u", off, elen);
			if (rd32(e + 8) & MADT_ENABLED)
				add_cpu(out, rd32(e + 4), rd32(e + 12));
			else
				out->nr_disabled++;
			break;
		case MADT_LAPIC_OVERRIDE:
			if (elen < 12)
				return errorf(err, errlen, "MADT APIC address override at %u: length %u", off, elen);
			out->lapic_phys = rd64(e + 4);
			break;
		default:	/* I/O APICs, overrides, NMI sources: not ours yet */
			break;
		}
		off += elen;
	}
	if (out->nr_cpus == 0)
		return errorf(err, errlen, "MADT lists no enabled CPU");
	return 0;
}

/*
 * The APIC ids in the order CPUs get their ids: the boot CPU's (bsp) first
 * as cpu 0, then the others in table order, into apic[ACPI_MAX_CPUS].
 * Returns how many, or -1 if the MADT does not list the boot CPU: tables
 * that miss the CPU running this code are wrong, and none of them is
 * trusted then.
 */
int acpi_order_cpus(const struct acpi_madt_info *m, u32 bsp, u32 *apic)
{
	int n = 1;
	bool have_bsp = false;

	apic[0] = bsp;
	for (int i = 0; i < m->nr_cpus; i++) {
		if (m->cpu[i].apic_id == bsp)
			have_bsp = true;
		else if (n < ACPI_MAX_CPUS)
			apic[n++] = m->cpu[i].apic_id;
	}
	return have_bsp ? n : -1;
}

/*
 * Fill *out from the tables the RSDP (a copy of rsdp_len bytes) leads to.
 * Returns 0, or -1 with err saying what was wrong; *out is then partial
 * and must not be used.
 */
int acpi_find_cpus(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
		   struct acpi_madt_info *out, char *err, size_t errlen)
{
	const char *root_sig;
	const u8 *root;
	u64 root_pa = 0;
	u32 len, n;
	int esz = 0;

	memset(out, 0, sizeof(*out));
	if (!rsdp)
		return errorf(err, errlen, "no RSDP from the boot loader");
	if (check_rsdp(rsdp, rsdp_len, &root_pa, &esz, err, errlen) < 0)
		return -1;
	root_sig = esz == 8 ? "XSDT" : "RSDT";
	root = map_table(map, ctx, root_pa, root_sig, &len, err, errlen);
	if (!root)
		return -1;
	if ((len - SDT_HEADER_LEN) % esz)
		return errorf(err, errlen, "%s length %u is not a whole number of entries",
			      root_sig, len);
	n = (len - SDT_HEADER_LEN) / esz;
	for (u32 i = 0; i < n; i++) {
		const u8 *p = root + SDT_HEADER_LEN + (u64)i * esz;
		u64 pa = esz == 8 ? rd64(p) : rd32(p);
		const u8 *h = pa ? map(ctx, pa, SDT_HEADER_LEN) : NULL;
		const u8 *madt;
		u32 mlen;

		if (!h || memcmp(h, "APIC", 4))
			continue;	/* another table, or one we cannot read */
		madt = map_table(map, ctx, pa, "APIC", &mlen, err, errlen);
		if (!madt)
			return -1;
		return parse_madt(madt, mlen, out, err, errlen);
	}
	return errorf(err, errlen, "no MADT among the %u tables of the %s", n, root_sig);
}
